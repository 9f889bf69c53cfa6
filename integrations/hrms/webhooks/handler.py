"""What a vendor supplies to the common webhook pipeline: verify, parse, and say what changed.

A vendor's adapter class carries `webhook_handler = <its WebhookHandler>()`; the pipeline (views.py) asks
`receiver_settings` for the webhook secret and replay window (from the integration's configuration validated
against the adapter's schema: a raw stored value is never trusted), calls `verify` (the signature is checked
before a byte of the payload is trusted), then `parse`, and the apply task calls `changes` on the stored
payload. Rejections are `WebhookRejected` subclasses carrying the HTTP status to answer, so the view never
guesses.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.hrms.base import AdapterConfig


class WebhookRejected(Exception):
    """A delivery the pipeline refuses. `status` is the HTTP answer; `message` is safe to return."""

    status = 400
    code = "webhook_rejected"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureInvalid(WebhookRejected):
    """Missing or wrong signature: the sender does not hold the webhook key (or the body was altered)."""

    status = 401
    code = "invalid_signature"


class StaleDelivery(SignatureInvalid):
    """The signed timestamp is outside the allowed window: a replay, or a badly wrong clock."""

    code = "stale_delivery"


class NotVendorPayload(WebhookRejected):
    """Signed correctly but not a payload this vendor sends (malformed JSON, unknown shape)."""

    code = "not_vendor_payload"


@dataclass(frozen=True)
class EntityChange:
    """One record the event says changed: a hint, never data. Every change is re-read from the HRMS; a record
    the HRMS no longer has is soft-deleted, whatever the event called it. `deleted` is what the event claimed
    (a deletion the HRMS refutes is logged). The event's own timestamps are not carried: a signed payload can
    still say anything about time, and only the HRMS's records, or the receive time, are stored."""

    entity: str
    external_id: str
    deleted: bool = False


@dataclass(frozen=True)
class ReceiverSettings:
    """What the receiver takes from an integration's validated configuration. `max_age` is None when the
    integration sets no replay window of its own (the deployment's HARVEY_WEBHOOK_MAX_AGE_SECONDS applies)."""

    secret: str = field(repr=False)
    max_age: dt.timedelta | None = None


@dataclass(frozen=True)
class ParsedEvent:
    """A verified delivery. `handled` is False for a real event type Harvey does not act on (it is
    acknowledged and dropped). `event_id` must be unique per organization and stable across redeliveries."""

    event_id: str
    event_type: str
    payload: Mapping[str, Any]
    handled: bool = True


class WebhookHandler(ABC):
    """One vendor's webhook scheme."""

    @abstractmethod
    def receiver_settings(self, config: AdapterConfig) -> ReceiverSettings | None:
        """The webhook secret and replay window of one integration, read through the adapter's validated
        configuration. None when no webhook secret is configured (the receiver answers 404); a
        `ConfigurationError` (a message without values) when the stored configuration is invalid (the receiver
        answers a bare 503 and logs the reason). Holds decrypted secrets: mark it `sensitive_variables`."""

    @abstractmethod
    def verify(
        self, body: bytes, headers: Mapping[str, str], secret: str, *, now: dt.datetime, max_age: dt.timedelta
    ) -> None:
        """Raise SignatureInvalid / StaleDelivery unless `body` was signed with `secret` within `max_age` of
        `now`. Compare in constant time. `headers` is case-insensitive (Django's request.headers)."""

    @abstractmethod
    def parse(self, body: bytes, headers: Mapping[str, str]) -> ParsedEvent:
        """The verified body as an event, or NotVendorPayload."""

    @abstractmethod
    def changes(self, event_type: str, payload: Mapping[str, Any]) -> list[EntityChange]:
        """What a stored event changed (called again by the apply task on the stored payload)."""
