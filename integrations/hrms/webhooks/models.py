"""A received webhook delivery, stored before it is applied.

The unique (organization, event_id) constraint is what makes a duplicate delivery harmless: the second insert
fails and the receiver answers "duplicate" (re-enqueueing the event only while it is still pending). The
payload is encrypted at rest (it carries personal data) with the same keys as integration credentials.

The life of an event: `received` → `applied` | `ignored` | `failed` (the HRMS refused for good: a permanent
error) — or, after a transient error, `retrying` until an attempt succeeds, and `dead_letter` once
HARVEY_WEBHOOK_MAX_RETRIES retries are spent. `received` and `retrying` are the pending states: the periodic
`hrms.webhooks.requeue_stuck` task re-enqueues an event pending longer than HARVEY_WEBHOOK_STUCK_SECONDS since
its last enqueue (`enqueued_at`), so none waits forever; the others are final.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from harvey.crypto import EncryptedJSONField
from harvey.organizations.models import HRMSIntegration, Organization


class WebhookEvent(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        RETRYING = "retrying", "Retrying (a transient error)"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored"
        DEAD_LETTER = "dead_letter", "Dead letter (retries exhausted)"

    PENDING = (Status.RECEIVED, Status.RETRYING)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_events")
    integration = models.ForeignKey(HRMSIntegration, on_delete=models.CASCADE, related_name="webhook_events")
    hrms_type = models.CharField(max_length=64)
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=128)
    payload = EncryptedJSONField()
    received_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(
        default=timezone.now, help_text="When an apply was last enqueued or started (stuck events are re-enqueued)."
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(
        max_length=255, blank=True, help_text="Error code and a safe message of the last failed attempt."
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "event_id"], name="unique_webhook_event_per_org"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_event_status_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id[:12]} ({self.status})"
