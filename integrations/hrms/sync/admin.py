"""Admin for sync history and health: runs, states, quarantined records, dead letters, and the monitoring view.

Everything here is read-only except the admin actions an operator needs (resolve a dead letter or a
quarantined record, trigger a sync): history must not be rewritten by hand. Quarantined payloads are HR
data: the change page shows which fields the payload has, not their values.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from .health import all_health
from .models import DeadLetter, QuarantinedRecord, SyncRun, SyncState

# The admin index links the sync monitor (SyncRunAdmin.health_view). The template extends Django's own index
# page; as an app template it could not override `admin/index.html` itself (django.contrib.admin's templates
# come first).
admin.site.index_template = "admin/hrms_sync/index.html"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "organization", "entity", "status", "trigger", "full", "started_at", "duration_seconds",
        "fetched", "inserted", "updated", "unchanged", "deleted", "quarantined", "error_code",
    )  # fmt: skip
    list_filter = ("status", "entity", "trigger", "organization")
    search_fields = ("organization__slug", "error_message")
    date_hierarchy = "started_at"

    def get_urls(self):
        return [
            path(
                "health/",
                self.admin_site.admin_view(self.health_view),
                name="hrms_sync_health",
            ),
            *super().get_urls(),
        ]

    def health_view(self, request: HttpRequest) -> TemplateResponse:
        """The seed's monitoring view: organization × entity → last sync, freshness, health."""
        context = {
            **self.admin_site.each_context(request),
            "title": "HRMS sync health",
            "rows": all_health(request.GET.get("org") or None),
        }
        return TemplateResponse(request, "admin/hrms_sync/health.html", context)


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = (
        "organization", "entity", "watermark", "last_success_at", "consecutive_failures", "lease_expires_at", "fence",
    )  # fmt: skip
    list_filter = ("entity", "organization")
    exclude = ("cursor",)


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ReadOnlyAdmin):
    list_display = ("organization", "entity", "external_id", "reason", "attempts", "last_seen_at", "resolved_at")
    list_filter = ("entity", "organization", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("external_id", "reason")
    exclude = ("payload",)
    readonly_fields = ("payload_fields",)
    actions = ("mark_resolved",)

    @admin.display(description="payload fields")
    def payload_fields(self, obj: QuarantinedRecord) -> str:
        return ", ".join(sorted(obj.payload or {})) or "-"

    @admin.action(description="Mark selected resolved")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"{count} marked resolved.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff and obj is None  # the changelist action; no field edits


@admin.register(DeadLetter)
class DeadLetterAdmin(QuarantinedRecordAdmin):
    list_display = ("organization", "entity", "error_code", "error_message", "attempts", "created_at", "resolved_at")
    list_filter = ("entity", "organization", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("error_message",)
    exclude = ()
    readonly_fields = ()
