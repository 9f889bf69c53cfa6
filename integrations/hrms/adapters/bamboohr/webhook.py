"""BambooHR's webhook scheme for the common receiver pipeline (integrations/hrms/webhooks).

Signature (https://documentation.bamboohr.com/docs/webhooks): hex HMAC-SHA256, keyed by the private key shown
once when the webhook was created, over the raw body immediately followed by the `X-BambooHR-Timestamp` value
(unix seconds), sent as `X-BambooHR-Signature`. Verified with the stdlib `hmac` (constant-time compare):
webhook-signature libraries such as `standardwebhooks` implement a different scheme (`webhook-id`,
`webhook-timestamp`, base64 `v1,` signatures over `id.timestamp.body`) and cannot check BambooHR's.

Payloads (https://documentation.bamboohr.com/docs/event-based-webhooks): event-based
`{"type":"employee.updated","timestamp":…,"data":{"companyId","employeeId","changedFields"}}`, or the
field-based/legacy `{"employees":[{"id","action","timestamp",…}]}`. BambooHR sends no event id, so the id is a
hash of the signature and timestamp: a redelivery of the same signed bytes is the same event. The payloads'
own timestamps are not used: the apply step re-reads every employee named (see handler.EntityChange).

The webhook key and the replay window (`webhook_max_age_seconds`) are read through `BambooHRConfig`, so a
stored value outside the schema is a ConfigurationError, never an exception with the key in its frame.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import orjson
from django.views.decorators.debug import sensitive_variables

from integrations.hrms.base import AdapterConfig
from integrations.hrms.webhooks.handler import (
    EntityChange,
    NotVendorPayload,
    ParsedEvent,
    ReceiverSettings,
    SignatureInvalid,
    StaleDelivery,
    WebhookHandler,
)

from .config import BambooHRConfig

SIGNATURE_HEADER = "X-BambooHR-Signature"
TIMESTAMP_HEADER = "X-BambooHR-Timestamp"
EVENT_TYPE = re.compile(r"^[a-z][a-z_-]*\.[a-z_]+$")
EMPLOYEE_FAMILIES = ("employee.", "employee_with_fields.")
FIELD_BASED_TYPE = "employees.changed"


@sensitive_variables("key")
def sign(body: bytes, timestamp: str, key: str) -> str:
    """BambooHR's signature of one delivery."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class BambooHRWebhookHandler(WebhookHandler):
    @sensitive_variables()
    def receiver_settings(self, config: AdapterConfig) -> ReceiverSettings | None:
        settings = BambooHRConfig.from_adapter_config(config)
        secret = settings.webhook_key.get_secret_value() if settings.webhook_key else ""
        if not secret:
            return None
        own_window = "webhook_max_age_seconds" in settings.model_fields_set
        return ReceiverSettings(
            secret=secret, max_age=dt.timedelta(seconds=settings.webhook_max_age_seconds) if own_window else None
        )

    @sensitive_variables("secret")
    def verify(
        self, body: bytes, headers: Mapping[str, str], secret: str, *, now: dt.datetime, max_age: dt.timedelta
    ) -> None:
        signature = headers.get(SIGNATURE_HEADER) or ""
        timestamp = headers.get(TIMESTAMP_HEADER) or ""
        if not signature or not timestamp:
            raise SignatureInvalid(f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} are required.")
        if not hmac.compare_digest(sign(body, timestamp, secret), signature.strip().lower()):
            raise SignatureInvalid("The signature does not match.")
        try:
            sent = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
        except (ValueError, OverflowError, OSError) as e:
            raise SignatureInvalid(f"{TIMESTAMP_HEADER} is not unix seconds.") from e
        if abs(now - sent) > max_age:
            raise StaleDelivery(f"The delivery was signed outside the allowed {int(max_age.total_seconds())} s.")

    def parse(self, body: bytes, headers: Mapping[str, str]) -> ParsedEvent:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            raise NotVendorPayload("The body is not JSON.") from e
        event_type = _event_type(payload)
        digest = hashlib.sha256(
            f"{headers.get(SIGNATURE_HEADER, '').strip().lower()}:{headers.get(TIMESTAMP_HEADER, '')}".encode()
        ).hexdigest()
        handled = event_type == FIELD_BASED_TYPE or event_type.startswith(EMPLOYEE_FAMILIES)
        return ParsedEvent(event_id=digest, event_type=event_type, payload=payload, handled=handled)

    def changes(self, event_type: str, payload: Mapping[str, Any]) -> list[EntityChange]:
        if event_type == FIELD_BASED_TYPE:
            return [
                EntityChange("employees", str(entry["id"]), deleted=str(entry.get("action", "")).lower() == "deleted")
                for entry in payload.get("employees") or []
                if isinstance(entry, Mapping) and entry.get("id") is not None
            ]
        data = payload.get("data") or {}
        if not event_type.startswith(EMPLOYEE_FAMILIES) or data.get("employeeId") is None:
            return []
        return [EntityChange("employees", str(data["employeeId"]), deleted=event_type.endswith(".deleted"))]


def _event_type(payload: Any) -> str:
    """The event's type, or NotVendorPayload for a body BambooHR would not send."""
    if not isinstance(payload, dict):
        raise NotVendorPayload("A BambooHR webhook body is a JSON object.")
    if isinstance(payload.get("employees"), list):
        if not all(isinstance(e, dict) and e.get("id") is not None for e in payload["employees"]):
            raise NotVendorPayload("Every entry of 'employees' needs an id.")
        return FIELD_BASED_TYPE
    event_type = payload.get("type")
    if isinstance(event_type, str) and EVENT_TYPE.match(event_type) and isinstance(payload.get("data"), dict):
        if event_type.startswith(EMPLOYEE_FAMILIES) and payload["data"].get("employeeId") is None:
            raise NotVendorPayload("An employee event needs data.employeeId.")
        return event_type
    raise NotVendorPayload("Not a BambooHR webhook payload (no 'type' and 'data', no 'employees').")
