"""Celery wiring of the apply step: takes an id, idempotent, retries only transient HRMS errors."""

from __future__ import annotations

from celery import shared_task

from integrations.hrms.errors import RateLimited, Unavailable

from .apply import apply_event


@shared_task(
    name="hrms.webhooks.apply_event",
    autoretry_for=(Unavailable, RateLimited),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def apply_webhook_event(event_pk: int) -> str:
    """Apply a stored WebhookEvent (see apply.py). Returns quietly if the event is gone or already applied."""
    return apply_event(event_pk)
