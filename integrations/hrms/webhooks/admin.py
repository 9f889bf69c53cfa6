"""Read-only admin of received webhook events: what arrived, when, and whether it was applied.

The payload is personal data and stays encrypted; it is never shown here (the event type and status say
enough to operate the pipeline). Events are written only by the receiver. Filter by status `Dead letter` for
the events whose retries ran out (the error and attempts say why); their changes reach the replica with the
organization's next scheduled sync, the safety net of every webhook.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "organization", "hrms_type", "status", "attempts", "error", "received_at",
                    "processed_at"]  # fmt: skip
    list_filter = ["status", "hrms_type", "event_type"]
    search_fields = ["organization__slug", "event_id"]
    fields = ["organization", "hrms_type", "event_id", "event_type", "status", "attempts", "error", "received_at",
              "enqueued_at", "processed_at"]  # fmt: skip
    readonly_fields = fields
    list_select_related = ["organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False
