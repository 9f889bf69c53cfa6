"""Admin for HR admins: organizations and their HRMS connections, with credentials never displayed."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from harvey.organizations.forms import HRMSIntegrationForm
from harvey.organizations.models import HRMSIntegration, Organization

CREDENTIALS_SET = "••• set"
CREDENTIALS_NOT_SET = "— not set"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "active_hrms", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]

    @admin.display(description="Active HRMS")
    def active_hrms(self, organization: Organization) -> str:
        active = [i.hrms_type for i in organization.hrms_integrations.all() if i.is_active]
        return active[0] if active else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).prefetch_related("hrms_integrations")


@admin.register(HRMSIntegration)
class HRMSIntegrationAdmin(admin.ModelAdmin):
    form = HRMSIntegrationForm
    list_display = [
        "organization",
        "hrms_type",
        "base_url",
        "is_active",
        "credentials_status",
        "cache_ttl_seconds",
        "updated_at",
    ]
    list_filter = ["is_active", "hrms_type", "allow_private_network"]
    search_fields = ["organization__name", "organization__slug", "hrms_type", "base_url"]
    list_select_related = ["organization"]
    readonly_fields = ["credentials_status", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["organization", "hrms_type", "base_url", "is_active", "allow_private_network"]}),
        (
            "Credentials (write-only)",
            {"fields": ["credentials_status", "token", "extra_credentials", "clear_credentials"]},
        ),
        ("Sync and cache", {"fields": ["sync_settings", "cache_ttl_seconds"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Credentials")
    def credentials_status(self, integration: HRMSIntegration) -> str:
        return CREDENTIALS_SET if integration.credentials else CREDENTIALS_NOT_SET
