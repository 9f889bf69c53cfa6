"""Apply one stored webhook event: re-read what changed through the adapter, write it to the replica.

Webhook bodies are notifications, not data — a deletion as much as an update. Every record an event names is
fetched fresh from the HRMS: a record it still has is written as its current version (a stale or reordered
delivery can never write old values, and ReplicaWriter refuses to let an older `updated_at` overwrite a newer
row anyway); a record it no longer has (NotFound) is soft-deleted, never removed. A terminated employee is
still a record of the HRMS and is written as one (the sync keeps terminated employees the same way). Nothing
of the payload's own timing is stored: a confirmed deletion is dated when the delivery was received, so a
signed but wrong (or future) timestamp can never make later syncs skip the record as "older".

Attempts are counted on the event before the work, so an attempt that never returns still counts. The
outcome: `applied`; `failed` for a permanent HRMS error (the typed error's `retryable` decides); `retrying`
for a transient one (re-raised, so the task can retry) — or `dead_letter` once HARVEY_WEBHOOK_MAX_RETRIES
retries are spent, with the last error and the number of attempts. Final states are never overwritten.

Sync-only code around one async bridge (`async_to_sync`) for the adapter calls: the ORM never runs inside the
event loop. The adapter holds decrypted credentials: the functions around it are `sensitive_variables`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import F
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
DEFAULT_MAX_RETRIES = 6
Status = WebhookEvent.Status


def max_attempts() -> int:
    """The first attempt plus HARVEY_WEBHOOK_MAX_RETRIES retries."""
    return 1 + int(getattr(settings, "HARVEY_WEBHOOK_MAX_RETRIES", DEFAULT_MAX_RETRIES))


@sensitive_variables()
def apply_event(event_pk: int, *, adapter: HRMSAdapter | None = None) -> str:
    """Apply the event; returns its status. A vanished event or one in a final state is a no-op. Raises the
    error of an attempt that may be retried — a transient HRMSError, or an untyped one — leaving the event
    `retrying`; the last allowed attempt makes it a dead letter instead."""
    event = WebhookEvent.objects.select_related("integration").filter(pk=event_pk).first()
    if event is None or event.status not in WebhookEvent.PENDING:
        return event.status if event else "gone"
    context = {"organization": event.organization_id, "event": event.pk}
    integration = event.integration
    handler = handler_for(integration.hrms_type)
    if not integration.is_active or handler is None:
        return _finish(event, Status.IGNORED, "integration inactive or takes no webhooks")
    if event.attempts >= max_attempts():  # earlier attempts died without recording an outcome
        return _dead_letter(event, "no_outcome", event.error or "no_outcome: every attempt died unfinished", context)
    WebhookEvent.objects.filter(pk=event.pk).update(attempts=F("attempts") + 1, enqueued_at=timezone.now())
    event.attempts += 1
    changes = [ch for ch in handler.changes(event.event_type, event.payload) if ch.entity in FETCHERS]
    try:
        fetched, gone = async_to_sync(_fetch)(adapter or build_adapter(integration), changes, adapter is None, context)
        status = _write(event, changes, fetched, gone)
    except Exception as e:
        code, reason, retryable = _outcome(e)
        if not retryable:
            log.warning("hrms.webhook.failed", extra={**context, "error": code})
            return _finish(event, Status.FAILED, reason)
        if event.attempts >= max_attempts():
            return _dead_letter(event, code, reason, context, exc_info=not isinstance(e, HRMSError))
        _set(event, Status.RETRYING, reason)
        raise
    written = sum(len(records) for records in fetched.values())
    log.info("hrms.webhook.applied", extra={**context, "written": written, "deleted": len(gone)})
    return status


def _outcome(error: Exception) -> tuple[str, str, bool]:
    """(code, safe reason, whether another attempt may succeed). A typed HRMS error says so itself
    (`retryable`); any other error is a fault of this attempt (a lost connection, a bug) and gets the retry
    budget, after which it is a dead letter too — never a silent loop."""
    if isinstance(error, HRMSError):
        return error.code, f"{error.code}: {error.message}", error.retryable
    return "internal_error", f"internal_error: {type(error).__name__}", True


def _write(
    event: WebhookEvent, changes: Sequence[EntityChange], fetched: dict[str, list], gone: list[EntityChange]
) -> str:
    """The fetched records and the confirmed deletions, and the event's `applied`, in one transaction."""
    integration = event.integration
    started = timezone.now()
    with transaction.atomic():
        for entity in {ch.entity for ch in changes}:
            writer = ReplicaWriter(entity, integration.organization_id, integration.hrms_type)
            writer.upsert_records(fetched.get(entity, []), synced_at=started)
            deletions = [(ch.external_id, event.received_at) for ch in gone if ch.entity == entity]
            if deletions:
                writer.soft_delete(deletions)
            writer.resolve_references(touched_since=started)
        return _finish(event, Status.APPLIED, "")


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


def _dead_letter(event: WebhookEvent, code: str, reason: str, context: dict, *, exc_info: bool = False) -> str:
    extra = {**context, "attempts": event.attempts, "error": code}
    log.error("hrms.webhook.dead_lettered", extra=extra, exc_info=exc_info)
    return _finish(event, Status.DEAD_LETTER, reason)


def _finish(event: WebhookEvent, status: str, error: str) -> str:
    """Set a final state and return the event's status: another attempt may have finished it first, and a
    final state is never overwritten."""
    if _set(event, status, error, processed_at=timezone.now()):
        return status
    return WebhookEvent.objects.filter(pk=event.pk).values_list("status", flat=True).first() or "gone"


def _set(event: WebhookEvent, status: str, error: str, **fields) -> bool:
    """Move a pending event to `status`; False when it is no longer pending."""
    pending = WebhookEvent.objects.filter(pk=event.pk, status__in=WebhookEvent.PENDING)
    return bool(pending.update(status=status, error=error[:255], **fields))
