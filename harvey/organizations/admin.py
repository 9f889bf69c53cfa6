"""Admin for HR admins: organizations and their HRMS connections, with credentials never displayed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from harvey.organizations.config_fields import PREFIX, SKIPPED
from harvey.organizations.forms import HRMSIntegrationForm, config_schema_for
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
    actions = ["test_connection_action"]
    list_display = [
        "organization",
        "hrms_type",
        "base_url",
        "is_active",
        "credentials_status",
        "cache_ttl_seconds",
        "effective_rate_budget",
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
        ("Sync, cache and rate budget", {"fields": ["sync_settings", "cache_ttl_seconds", "rate_limit", "rate_burst"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    # Every POST parameter: which configuration fields are secret depends on the submitted type, and an error
    # report must not show a typed token, API key or webhook key whatever the type.
    @method_decorator(sensitive_post_parameters())
    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request: HttpRequest, obj: HRMSIntegration | None = None):
        """The stored type's configuration schema adds its own section (drawn by HRMSIntegrationForm)."""
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        schema = config_schema_for(obj.hrms_type if obj else request.POST.get("hrms_type"))
        if schema is not None:
            names = [PREFIX + name for name in schema.model_fields if name not in SKIPPED]
            section = (
                f"Connection settings ({obj.hrms_type if obj else request.POST.get('hrms_type')})",
                {"fields": names},
            )
            fieldsets.insert(1, section)
        return fieldsets

    def get_form(self, request: HttpRequest, obj: HRMSIntegration | None = None, change: bool = False, **kwargs):
        # Schema fields are added per instance, so the form class is built from the model fields only.
        names = kwargs.get("fields") or [
            f for _, options in self.get_fieldsets(request, obj) for f in options["fields"]
        ]
        kwargs["fields"] = [f for f in names if not f.startswith(PREFIX)]
        return super().get_form(request, obj, change, **kwargs)

    @admin.action(description="Test the connection of selected integrations")
    def test_connection_action(self, request: HttpRequest, queryset: QuerySet) -> None:
        from integrations.hrms.connection import test_connection

        for integration in queryset:
            check = test_connection(integration)
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{integration}: {check.message}", level)

    @admin.display(description="Rate budget")
    def effective_rate_budget(self, integration: HRMSIntegration) -> str:
        from integrations.hrms.errors import HRMSError

        try:
            return str(integration.rate_budget())
        except HRMSError:
            return "— unknown HRMS type"

    @admin.display(description="Credentials")
    def credentials_status(self, integration: HRMSIntegration) -> str:
        return CREDENTIALS_SET if integration.credentials else CREDENTIALS_NOT_SET
