"""BambooHR webhooks: the signing primitive, the registered hooks, and signed delivery of change events.

Signing (docs/vendors/bamboohr.md §7): hex HMAC-SHA256 keyed by the webhook's private key over the raw body
immediately followed by the timestamp, sent as `X-BambooHR-Signature` with `X-BambooHR-Timestamp` (unix seconds).
`sign` is pure so a receiver's tests can build valid and invalid deliveries with it.

Payloads: a hook with `employee.*` events gets one `{"type","timestamp","data":{companyId, employeeId,
changedFields}}` POST per change (no changedFields on created/deleted); a hook with `employee_with_fields.*`
events, or a legacy hook (no events, fires when a monitored field changes), gets one field-based
`{"employees":[{id, action, timestamp, changedFields, fields}]}` POST per batch. Delivery is an async httpx POST,
`webhook_retries` extra attempts (0 by default: BambooHR-style fire and log), every attempt logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field

import httpx
import orjson

from mock_hrms.vendors.bamboohr.changes import Change

log = logging.getLogger("mock_hrms.bamboohr.webhooks")

SIGNATURE_HEADER = "X-BambooHR-Signature"
TIMESTAMP_HEADER = "X-BambooHR-Timestamp"
USER_AGENT = "BambooHR-WebHooks/1.0 (+https://www.bamboohr.com)"  # unconfirmed (docs/vendors/bamboohr.md §7)
EVENT_ACTIONS = {"Inserted": "created", "Updated": "updated", "Deleted": "deleted"}
EMPLOYEE_EVENTS = frozenset(f"employee.{a}" for a in EVENT_ACTIONS.values())
FIELD_EVENTS = frozenset(f"employee_with_fields.{a}" for a in EVENT_ACTIONS.values())
COMPANY_EVENTS = frozenset({"company.updated", "company.deleted", "company-integrations.updated"})
ALL_EVENTS = EMPLOYEE_EVENTS | FIELD_EVENTS | COMPANY_EVENTS


def sign(body: bytes, timestamp: str, key: str) -> str:
    """BambooHR's signature: hex HMAC-SHA256(key, body + timestamp)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def verify(body: bytes, timestamp: str, signature: str, key: str) -> bool:
    """Constant-time check of a delivery's signature (a helper for receivers' tests)."""
    return hmac.compare_digest(sign(body, timestamp, key), signature)


def event_timestamp(instant: dt.datetime) -> str:
    """ "2025-03-01T09:30:00+0000", as BambooHR's event payloads write it."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Webhook:
    id: str
    name: str
    url: str
    format: str
    monitor_fields: list[str]
    post_fields: dict[str, str]
    events: list[str]
    include_company_domain: bool
    private_key: str
    created: str
    last_sent: str | None = None
    failure_count: int = 0
    last_attempted: str | None = None
    last_success: str | None = None
    last_status: int | None = None
    last_employee_ids: list[int] = field(default_factory=list)

    def public(self) -> dict:
        """The hook as GET /webhooks/{id} shows it — never the private key."""
        return {
            "id": self.id, "name": self.name, "created": self.created, "lastSent": self.last_sent,
            "monitorFields": self.monitor_fields, "postFields": self.post_fields, "url": self.url,
            "format": self.format, "includeCompanyDomain": self.include_company_domain, "events": self.events,
        }  # fmt: skip

    def log_summary(self) -> dict:
        return {
            "webhookId": int(self.id), "url": self.url, "lastAttempted": self.last_attempted,
            "lastSuccess": self.last_success, "failureCount": self.failure_count, "status": self.last_status,
            "employeeIds": self.last_employee_ids,
        }  # fmt: skip

    def payloads(self, changes: list[Change], company_id: str, company_domain: str, now: dt.datetime) -> list[dict]:
        """The bodies this hook is sent for `changes` (empty when it does not listen to any of them)."""
        if self.events and set(self.events) & EMPLOYEE_EVENTS:
            bodies = []
            for change in changes:
                event = f"employee.{EVENT_ACTIONS[change.action]}"
                if event in self.events:
                    data = {"companyId": company_id, "employeeId": change.employee_id}
                    if change.action == "Updated":
                        data["changedFields"] = change.changed_fields
                    bodies.append({"type": event, "timestamp": event_timestamp(now), "data": data})
            return bodies
        wanted = [c for c in changes if self._field_based_wants(c)]
        if not wanted:
            return []
        body: dict = {"employees": [self._field_entry(c, now) for c in wanted]}
        if self.include_company_domain:
            body["companyDomain"] = company_domain
        return [body]

    def _field_based_wants(self, change: Change) -> bool:
        if self.events:
            return f"employee_with_fields.{EVENT_ACTIONS[change.action]}" in self.events
        return change.action != "Updated" or bool(set(change.changed_fields) & set(self.monitor_fields))

    def _field_entry(self, change: Change, now: dt.datetime) -> dict:
        fields = {alias: change.fields.get(name) for name, alias in self.post_fields.items()}
        return {
            "id": change.employee_id, "action": change.action, "timestamp": event_timestamp(now),
            "changedFields": change.changed_fields, "fields": fields,
        }  # fmt: skip


@dataclass
class DeliveryAttempt:
    webhook_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None
    error: str | None
    at: str


class WebhookHub:
    """Registered hooks plus delivery: `deliver(changes)` schedules signed POSTs; `idle()` awaits them."""

    def __init__(self, *, company_id: str, company_domain: str, timeout: float, retries: int) -> None:
        self.company_id = company_id
        self.company_domain = company_domain
        self.timeout = timeout
        self.retries = retries
        self.hooks: dict[str, Webhook] = {}
        self.attempts: list[DeliveryAttempt] = []
        self._next_id = 0
        self._tasks: set[asyncio.Task] = set()

    def create(self, **spec) -> Webhook:
        self._next_id += 1
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        hook = Webhook(id=str(self._next_id), private_key=secrets.token_hex(16), created=now, **spec)
        self.hooks[hook.id] = hook
        return hook

    def deliver(self, changes: list[Change]) -> None:
        if not changes or not self.hooks:
            return
        now = dt.datetime.now(dt.UTC)
        for hook in list(self.hooks.values()):
            for payload in hook.payloads(changes, self.company_id, self.company_domain, now):
                ids = [int(c.employee_id) for c in changes]
                task = asyncio.get_running_loop().create_task(self._post(hook, orjson.dumps(payload), ids))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every scheduled delivery has finished (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _post(self, hook: Webhook, body: bytes, employee_ids: list[int]) -> None:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT, TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(body, timestamp, hook.private_key),
        }  # fmt: skip
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for _ in range(1 + self.retries):
                status, error = await _attempt(client, hook.url, body, headers)
                at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                self.attempts.append(DeliveryAttempt(hook.id, hook.url, body, headers, status, error, at))
                hook.last_attempted, hook.last_status, hook.last_employee_ids = at, status, employee_ids
                if status is not None and 200 <= status < 300:
                    hook.last_sent = hook.last_success = at
                    hook.failure_count = 0
                    return
                hook.failure_count += 1
                log.info("bamboohr.webhook.delivery_failed webhook=%s status=%s error=%s", hook.id, status, error)


async def _attempt(client: httpx.AsyncClient, url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as e:
        return None, f"{type(e).__name__}: {e}"
    return response.status_code, None
