"""The BambooHR simulator in-process (ASGI) and an adapter bound to it, recording every request it makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations.hrms.adapters.bamboohr import BambooHRAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app

KEY = "bamboohr-api-key-12345"
HOST = "http://acme.bamboohr.com"
SEED, SIZE = 42, 150
FAST = TransportPolicy(
    max_retries=3, backoff_base=0.001, backoff_cap=0.01, rate_per_second=10_000, burst=10_000, breaker_threshold=50
)


class RecordingTransport(httpx.AsyncBaseTransport):
    """ASGI transport to the simulator that remembers (method, path) of every request, for assertions."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def clear(self) -> None:
        self.requests.clear()


def make_adapter(
    app: Any, *, credentials: dict[str, Any] | None = None, base_url: str = HOST, policy: TransportPolicy = FAST
) -> tuple[BambooHRAdapter, RecordingTransport]:
    transport = RecordingTransport(app)
    config = AdapterConfig(
        base_url=base_url,
        credentials=credentials if credentials is not None else {"api_key": KEY, "company_domain": "acme"},
        integration_key="bamboo-test",
    )
    adapter = BambooHRAdapter(config, transport=transport, state=MemoryTransportState(), policy=policy)
    return adapter, transport


@pytest.fixture
def sim_settings() -> BambooSettings:
    return BambooSettings(seed=SEED, employees=SIZE, applications_page_size=20)


@pytest.fixture
def sim(sim_settings):
    return create_bamboohr_app(sim_settings)


@pytest.fixture
async def bamboo(sim) -> AsyncIterator[tuple[BambooHRAdapter, RecordingTransport]]:
    adapter, transport = make_adapter(sim)
    async with adapter:
        yield adapter, transport


@pytest.fixture
def adapter(bamboo) -> BambooHRAdapter:
    return bamboo[0]


@pytest.fixture
def requests_made(bamboo) -> RecordingTransport:
    return bamboo[1]


async def control(app: Any, method: str, path: str, **kw: Any) -> Any:
    """The simulator's control surface (changes to the world that BambooHR would see)."""
    settings = app.state.settings
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=HOST) as client:
        response = await client.request(
            method, path, headers={"Authorization": f"Bearer {settings.control_token}"}, **kw
        )
        response.raise_for_status()
        return response.json() if response.content else None


async def delete_an_employee(app: Any, *, start: int = 11) -> str:
    """Delete (control surface) the first employee from number `start` that the world lets go (no interviews
    on record, not the CEO); returns their BambooHR id."""
    settings = app.state.settings
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=HOST) as client:
        for number in range(start, start + 200):
            world_id = f"EMP{number:05d}"
            response = await client.delete(
                f"/_control/employees/{world_id}", headers={"Authorization": f"Bearer {settings.control_token}"}
            )
            if response.status_code == 200:
                return str(number)
    raise AssertionError("no deletable employee in the world")
