"""Apply one stored webhook event: re-read what changed through the adapter, write it to the replica.

Webhook bodies are notifications, not data — a deletion as much as an update. Every record an event names is
fetched fresh from the HRMS: a record it still has is written as its current version (a stale or reordered
delivery can never write old values, and ReplicaWriter refuses to let an older `updated_at` overwrite a newer
row anyway); a record it no longer has (NotFound) is soft-deleted, never removed. A terminated employee is
still a record of the HRMS and is written as one (the sync keeps terminated employees the same way). Nothing
of the payload's own timing is stored: a confirmed deletion is dated when the delivery was received, so a
signed but wrong (or future) timestamp can never make later syncs skip the record as "older".

Sync-only code around one async bridge (`async_to_sync`) for the adapter calls: the ORM never runs inside the
event loop. A transient HRMS error propagates so the Celery task retries; a permanent one marks the event failed.
The adapter holds decrypted credentials: the functions around it are `sensitive_variables`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from harvey.replica.upsert import ReplicaWriter
from integrations.hrms.base import HRMSAdapter
from integrations.hrms.errors import HRMSError, NotFound
from integrations.hrms.service import build_adapter

from .handler import EntityChange
from .models import WebhookEvent
from .registry import handler_for

log = logging.getLogger("hrms.webhooks")
FETCHERS = {"employees": "get_employee"}  # entities a webhook can announce -> the adapter's one-record read


@sensitive_variables()
def apply_event(event_pk: int, *, adapter: HRMSAdapter | None = None) -> str:
    """Apply the event; returns its final status. A vanished event or an already applied one is a no-op."""
    event = WebhookEvent.objects.select_related("integration").filter(pk=event_pk).first()
    if event is None or event.status in (WebhookEvent.Status.APPLIED, WebhookEvent.Status.IGNORED):
        return event.status if event else "gone"
    integration = event.integration
    handler = handler_for(integration.hrms_type)
    if not integration.is_active or handler is None:
        return _finish(event, WebhookEvent.Status.IGNORED, "integration inactive or takes no webhooks")
    context = {"organization": integration.organization_id, "event": event.pk}
    WebhookEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1)
    changes = [ch for ch in handler.changes(event.event_type, event.payload) if ch.entity in FETCHERS]
    try:
        fetched, gone = async_to_sync(_fetch)(adapter or build_adapter(integration), changes, adapter is None, context)
    except HRMSError as e:
        if e.retryable:
            raise
        return _finish(event, WebhookEvent.Status.FAILED, f"{e.code}: {e.message}"[:255])
    started = timezone.now()
    with transaction.atomic():
        for entity in {ch.entity for ch in changes}:
            writer = ReplicaWriter(entity, integration.organization_id, integration.hrms_type)
            writer.upsert_records(fetched.get(entity, []), synced_at=started)
            deletions = [(ch.external_id, event.received_at) for ch in gone if ch.entity == entity]
            if deletions:
                writer.soft_delete(deletions)
            writer.resolve_references(touched_since=started)
        status = _finish(event, WebhookEvent.Status.APPLIED, "")
    written = sum(len(records) for records in fetched.values())
    log.info("hrms.webhook.applied", extra={**context, "written": written, "deleted": len(gone)})
    return status


@sensitive_variables()
async def _fetch(adapter: HRMSAdapter, changes: Sequence[EntityChange], close: bool, context: dict):
    """(records by entity, changes whose record the HRMS no longer has). A deletion is asked about like any
    other change: only the HRMS's NotFound confirms it."""
    fetched: dict[str, list] = {}
    gone: list[EntityChange] = []
    try:
        for change in changes:
            try:
                record = await getattr(adapter, FETCHERS[change.entity])(change.external_id)
            except NotFound:
                gone.append(change)
                continue
            if change.deleted:
                log.info("hrms.webhook.deletion_refuted", extra={**context, "entity": change.entity})
            fetched.setdefault(change.entity, []).append(record)
    finally:
        if close:
            await adapter.aclose()
    return fetched, gone


def _finish(event: WebhookEvent, status: str, error: str) -> str:
    WebhookEvent.objects.filter(pk=event.pk).update(status=status, error=error, processed_at=timezone.now())
    return status
