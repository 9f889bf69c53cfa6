"""Celery wiring of the apply step: the apply task, the one way to enqueue it, and the periodic re-enqueue.

* `hrms.webhooks.apply_event` (`apply_webhook_event`) takes an event id and is idempotent. A transient HRMS
  error (`retryable`, decided by the typed error alone) leaves the event `retrying`; in a worker the task then
  retries itself with capped exponential backoff and full jitter. In the in-process mode (no broker: the
  task runs eagerly inside the receiver's request) it does not wait in the request: the event is left to a
  redelivery or to the periodic task. Any other error of an attempt propagates (logged by the worker, or by
  `enqueue`) and is retried by those two. Attempts are counted on the event (apply.py), so every path
  together spends at most HARVEY_WEBHOOK_MAX_RETRIES retries before the event becomes a `dead_letter`.
* `hrms.webhooks.requeue_stuck` (`requeue_stuck_events`), from beat: an event still pending
  HARVEY_WEBHOOK_STUCK_SECONDS after its last enqueue (the enqueue was lost with a broker outage, the worker
  died, the in-process apply failed) is enqueued again.
* `enqueue`: storing and answering never depend on applying — a failure to enqueue (or, in the in-process
  mode, of the apply itself) is logged and left to the machinery above, never raised to the receiver.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.hrms.errors import HRMSError
from integrations.hrms.sync.tasks import retry_countdown

from .apply import apply_event
from .models import WebhookEvent

log = logging.getLogger("hrms.webhooks")

APPLY_TASK = "hrms.webhooks.apply_event"
REQUEUE_TASK = "hrms.webhooks.requeue_stuck"
DEFAULT_STUCK_SECONDS = 900  # above RETRY_CAP_SECONDS: a worker's own retry comes sooner than the sweep
RETRY_BASE_SECONDS = 5
RETRY_CAP_SECONDS = 600
REQUEUE_BATCH = 1000  # events re-enqueued per sweep: a backlog drains over several, never floods the queue


@shared_task(bind=True, name=APPLY_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def apply_webhook_event(self: Any, event_pk: int) -> str:
    """Apply a stored WebhookEvent (see apply.py); returns its status. Quiet if it is gone or already final."""
    try:
        return apply_event(event_pk)
    except HRMSError as e:  # only transient ones leave apply_event, with the event marked `retrying`
        if self.request.is_eager:
            log.warning("hrms.webhook.apply_deferred", extra={"event": event_pk, "error": e.code})
            return WebhookEvent.Status.RETRYING
        countdown = retry_countdown(
            self.request.retries or 0,
            base=RETRY_BASE_SECONDS,
            cap=RETRY_CAP_SECONDS,
            retry_after=getattr(e, "retry_after", None) or getattr(e, "reopens_in", None),
        )
        log.warning("hrms.webhook.retry", extra={"event": event_pk, "error": e.code, "countdown": round(countdown)})
        raise self.retry(countdown=countdown, exc=e) from e


def enqueue(event_pk: int) -> None:
    """Hand an event to the apply task. Never raises: the event is stored, and a pending one is picked up by
    a redelivery or by `requeue_stuck_events` whatever went wrong here."""
    try:
        apply_webhook_event.delay(event_pk)
    except Exception as e:
        log.error("hrms.webhook.enqueue_failed", extra={"event": event_pk, "error": type(e).__name__}, exc_info=True)


def stuck_seconds() -> int:
    return int(getattr(settings, "HARVEY_WEBHOOK_STUCK_SECONDS", DEFAULT_STUCK_SECONDS))


@shared_task(name=REQUEUE_TASK, ignore_result=True)
def requeue_stuck_events() -> int:
    """Enqueue again every event pending longer than HARVEY_WEBHOOK_STUCK_SECONDS since it was last enqueued
    (oldest first, at most REQUEUE_BATCH a run); returns how many."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=stuck_seconds())
    stuck = WebhookEvent.objects.filter(status__in=WebhookEvent.PENDING, enqueued_at__lt=cutoff)
    pks = list(stuck.order_by("enqueued_at").values_list("pk", flat=True)[:REQUEUE_BATCH])
    if not pks:
        return 0
    # Stamped first: the next sweep leaves them alone while this enqueue (or the apply) takes its time.
    WebhookEvent.objects.filter(pk__in=pks).update(enqueued_at=now)
    for pk in pks:
        enqueue(pk)
    log.warning("hrms.webhook.requeued_stuck", extra={"events": len(pks), "stuck_seconds": stuck_seconds()})
    return len(pks)
