"""Signed BambooHR deliveries for the receiver's tests, and an adapter bound to the in-process simulator."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from integrations.hrms.adapters.bamboohr import BambooHRAdapter
from integrations.hrms.adapters.bamboohr.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from mock_hrms.vendors.bamboohr import sign

API_KEY = "bamboohr-api-key-12345"
WEBHOOK_KEY = "f00dfeedf00dfeedf00dfeedf00dfeed"
HOST = "http://acme.bamboohr.com"
URL = "/webhooks/hrms/acme/"
CREDENTIALS = {"api_key": API_KEY, "company_domain": "acme", "webhook_key": WEBHOOK_KEY}
FAST = TransportPolicy(max_retries=2, backoff_base=0.001, backoff_cap=0.01, rate_per_second=10_000, burst=10_000)


def simulator_adapter(sim: Any, credentials: dict[str, Any], key: str = "webhooks") -> BambooHRAdapter:
    """A BambooHR adapter that reaches the simulator in-process, with its own (memory) transport state."""
    config = AdapterConfig(base_url=HOST, credentials=dict(credentials), integration_key=key)
    return BambooHRAdapter(config, transport=httpx.ASGITransport(app=sim), state=MemoryTransportState(), policy=FAST)


def event(employee_id: str = "10", kind: str = "employee.updated", *, stamp: str | None = None) -> bytes:
    """An event-based BambooHR payload. `stamp` is its own event timestamp: signed with the body, yet only a claim."""
    data: dict[str, Any] = {"companyId": "100", "employeeId": employee_id}
    if kind.endswith("updated"):
        data["changedFields"] = ["jobTitle"]
    stamp = stamp or time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())  # BambooHR's event timestamp form
    return orjson.dumps({"type": kind, "timestamp": stamp, "data": data})


def signed(body: bytes, *, key: str = WEBHOOK_KEY, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    return {SIGNATURE_HEADER: sign(body, timestamp, key), TIMESTAMP_HEADER: timestamp}


def deliver(client: Any, body: bytes, *, key: str = WEBHOOK_KEY, at: float | None = None, url: str = URL):
    return post(client, body, signed(body, key=key, at=at), url=url)


def post(client: Any, body: bytes, headers: dict[str, str], *, url: str = URL):
    return client.post(url, data=body, content_type="application/json", headers=headers)
