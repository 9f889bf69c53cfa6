"""The receiver: `POST /webhooks/hrms/<org_slug>/` — verify, store, enqueue, nothing else.

The fixed sequence, each step answering for itself:
1. the organization's active integration (from the URL: vendors' payloads do not name the tenant reliably)
   and its adapter's webhook handler and secret — 404 when any is missing; the secret and the replay window
   come from the integration's configuration validated against the adapter's schema — a configuration that
   does not validate is a bare 503 (the reason goes to the log, with the organization id);
2. the handler verifies the signature and timestamp in constant time — 401;
3. the handler parses the payload — 400 when it is not the vendor's; a real event type Harvey does not act
   on — 200 "ignored";
4. a `WebhookEvent` is stored — a second delivery of the same event hits the unique constraint — 200
   "duplicate" (and, while the event is still pending, it is enqueued again: a redelivery is a retry);
5. the apply task is enqueued after the commit — 202 "accepted".

Storing and answering never depend on applying: the enqueue (which in the in-process mode runs the apply
itself) cannot fail the response (tasks.enqueue). The endpoint is unauthenticated until step 2 and its frames
hold decrypted secrets, so no error inside it ever reaches the sender: anything unexpected is logged and
answered with a bare 500 — Django's DEBUG page, which shows every frame's locals, is never rendered here — and
the view is marked `sensitive_variables` / `sensitive_post_parameters` for Django's error reports.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from harvey.organizations.models import HRMSIntegration
from integrations.hrms.base import AdapterConfig
from integrations.hrms.errors import ConfigurationError

from .handler import ReceiverSettings, WebhookHandler, WebhookRejected
from .models import WebhookEvent
from .registry import handler_for
from .tasks import enqueue

log = logging.getLogger("hrms.webhooks")
DEFAULT_MAX_AGE_SECONDS = 300


def _answer(status: int, state: str, message: str = "", **extra: Any) -> JsonResponse:
    return JsonResponse({"status": state, **({"message": message} if message else {}), **extra}, status=status)


def max_age(receiver: ReceiverSettings) -> dt.timedelta:
    """The integration's own validated window, else HARVEY_WEBHOOK_MAX_AGE_SECONDS, else 5 minutes."""
    if receiver.max_age is not None:
        return receiver.max_age
    return dt.timedelta(seconds=getattr(settings, "HARVEY_WEBHOOK_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


@csrf_exempt
@require_POST
@sensitive_post_parameters()
@sensitive_variables()
def receive(request: HttpRequest, org_slug: str) -> JsonResponse:
    try:
        return _receive(request, org_slug)
    except Exception:
        log.error("hrms.webhook.receiver_error", extra={"org_slug": org_slug}, exc_info=True)
        return _answer(500, "error")


def _receive(request: HttpRequest, org_slug: str) -> JsonResponse:
    integration = (
        HRMSIntegration.objects.select_related("organization")
        .filter(organization__slug=org_slug, organization__is_active=True, is_active=True)
        .first()
    )
    handler = handler_for(integration.hrms_type) if integration else None
    if integration is None or handler is None:
        return _not_configured()
    context = {"organization": integration.organization_id, "hrms_type": integration.hrms_type}
    try:
        receiver = _receiver_settings(handler, integration)
    except ConfigurationError as e:
        log.error("hrms.webhook.misconfigured", extra={**context, "reason": e.message})
        return _answer(503, "unavailable")
    if receiver is None:
        return _not_configured()
    try:
        body = request.body
    except RequestDataTooBig:
        return _answer(413, "too_large", "The delivery is too large.")
    try:
        handler.verify(body, request.headers, receiver.secret, now=timezone.now(), max_age=max_age(receiver))
        event = handler.parse(body, request.headers)
    except WebhookRejected as e:
        log.warning("hrms.webhook.rejected", extra={**context, "reason": e.code})
        return _answer(e.status, e.code, e.message)
    if not event.handled:
        log.info("hrms.webhook.ignored", extra={**context, "event_type": event.event_type})
        return _answer(200, "ignored", f"Event type {event.event_type!r} is not used by Harvey.")
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                organization_id=integration.organization_id,
                integration=integration,
                hrms_type=integration.hrms_type,
                event_id=event.event_id,
                event_type=event.event_type,
                payload=dict(event.payload),
            )
    except IntegrityError:
        requeued = _requeue_if_pending(integration.organization_id, event.event_id)
        log.info("hrms.webhook.duplicate", extra={**context, "event_id": event.event_id, "requeued": requeued})
        return _answer(200, "duplicate", event=event.event_id)
    transaction.on_commit(partial(enqueue, stored.pk))
    log.info("hrms.webhook.accepted", extra={**context, "event_id": event.event_id, "event_type": event.event_type})
    return _answer(202, "accepted", event=event.event_id)


def _not_configured() -> JsonResponse:
    return _answer(404, "not_found", "No HRMS webhook receiver is configured here.")


def _receiver_settings(handler: WebhookHandler, integration: HRMSIntegration) -> ReceiverSettings | None:
    config = AdapterConfig(base_url=integration.base_url, credentials=dict(integration.credentials or {}))
    return handler.receiver_settings(config)


def _requeue_if_pending(organization_id: int, event_id: str) -> bool:
    """A redelivery of an event stored but not applied yet (its enqueue was lost, or it is waiting for a retry)
    enqueues it again; an event in a final state is left alone."""
    pending = WebhookEvent.objects.filter(
        organization_id=organization_id, event_id=event_id, status__in=WebhookEvent.PENDING
    )
    pk = pending.values_list("pk", flat=True).first()
    if pk is None:
        return False
    WebhookEvent.objects.filter(pk=pk).update(enqueued_at=timezone.now())
    transaction.on_commit(partial(enqueue, pk))
    return True
