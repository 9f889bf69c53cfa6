"""The transport against the mock HRMS's fault injection (issue #2), end to end.

The app runs in-process through `httpx.ASGITransport`; faults are set with `PUT /_control/faults`. The
client's sleeps run on a fake clock, so retries and Retry-After waits cost no real time. One test uses real
HTTP (latency needs a real socket to time out).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import HRMSHttpClient, MemoryTransportState, TransportPolicy
from mock_hrms.api.app import create_app
from mock_hrms.api.settings import MockSettings
from mock_hrms.api.testing import TEST_BASE_URL, LiveMockHRMS, asgi_client

SETTINGS = MockSettings(seed=7, employees=60)
AUTH = {"Authorization": f"Bearer {SETTINGS.token}"}


class CountingTransport(httpx.ASGITransport):
    """Counts the requests that really reach the mock HRMS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await super().handle_async_request(request)


@pytest.fixture
def app():
    return create_app(SETTINGS)


@pytest.fixture
def set_faults(app):
    async def put(**config: Any) -> None:
        async with asgi_client(app, SETTINGS.control_token) as control:
            response = await control.put("/_control/faults", json=config)
            assert response.status_code == 200, response.text

    return put


@pytest.fixture
async def hrms(app, clock, state):
    """Build HRMSHttpClients on the fake clock talking to the in-process mock HRMS."""
    made: list[HRMSHttpClient] = []

    def make(policy: TransportPolicy) -> HRMSHttpClient:
        transport = CountingTransport(app=app)
        client = HRMSHttpClient(
            f"{TEST_BASE_URL}/api/v1",
            integration_key="org-mock",
            headers=AUTH,
            policy=policy,
            state=state,
            transport=transport,
            sleep=clock.sleep,
            clock=clock.monotonic,
            rng=lambda: 1.0,
        )
        client.sent = lambda: transport.sent  # type: ignore[attr-defined]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def test_injected_5xx_are_retried_until_the_read_succeeds(set_faults, hrms) -> None:
    await set_faults(seed=3, rules=[{"path": "/api/v1/employees", "error_rate": 0.6, "error_status": 500}])
    client = hrms(TransportPolicy(max_retries=10, breaker_threshold=100))
    for _ in range(5):
        body = await client.get_json("/employees", params={"page_size": 5})
        assert body["data"]
    assert client.sent() > 5


async def test_503_retry_after_from_the_mock_is_honoured(set_faults, hrms, clock) -> None:
    await set_faults(rules=[{"path": "/api/v1/departments", "error_rate": 1.0, "error_status": 503}])
    client = hrms(TransportPolicy(max_retries=2, breaker_threshold=100))
    with pytest.raises(e.Unavailable) as info:
        await client.get_json("/departments")
    assert info.value.retry_after == 1.0
    assert clock.sleeps[:2] == [1.0, 1.0]
    assert client.sent() == 3


async def test_429_with_retry_after_waits_then_succeeds(set_faults, hrms, clock) -> None:
    await set_faults(rules=[{"path": "/api/v1/", "rate_limit": {"every_nth": 2, "retry_after_seconds": 4}}])
    client = hrms(TransportPolicy())
    await client.get_json("/employees")
    await client.get_json("/employees")
    assert 4.0 in clock.sleeps
    assert client.sent() == 3


async def test_429_pauses_the_whole_integration(set_faults, hrms, clock) -> None:
    await set_faults(rules=[{"path": "/api/v1/", "rate_limit": {"every_nth": 1, "retry_after_seconds": 9}}])
    throttled = hrms(TransportPolicy(max_retries=0))
    with pytest.raises(e.RateLimited):
        await throttled.get_json("/employees")
    await set_faults(rules=[])
    start = clock.now
    await hrms(TransportPolicy()).get_json("/departments")
    assert clock.now - start == pytest.approx(9.0)


async def test_persistent_failures_open_the_breaker_and_stop_traffic(set_faults, hrms, clock) -> None:
    await set_faults(rules=[{"path": "/api/v1/", "error_rate": 1.0, "error_status": 500}])
    client = hrms(TransportPolicy(max_retries=0, breaker_threshold=3, breaker_cool_down=30.0))
    for _ in range(3):
        with pytest.raises(e.Unavailable):
            await client.get_json("/employees")
    with pytest.raises(e.CircuitOpen):
        await client.get_json("/employees")
    assert client.sent() == 3

    await set_faults(rules=[])
    clock.advance(30.0)
    assert (await client.get_json("/employees"))["data"]
    assert client.sent() == 4


async def test_expired_token_fails_fast_without_retry(set_faults, hrms) -> None:
    await set_faults(token_expiry={"after_requests": 1})
    client = hrms(TransportPolicy())
    await client.get_json("/employees")
    with pytest.raises(e.TokenExpired):
        await client.get_json("/employees")
    assert client.sent() == 2


async def test_write_is_retried_with_an_idempotency_key_and_applied_once(set_faults, hrms, app) -> None:
    jobs = await hrms(TransportPolicy()).get_json("/job-requisitions", params={"page_size": 1})
    job_id = jobs["data"][0]["id"]
    await set_faults(seed=1, rules=[{"path": "/api/v1/candidates", "method": "POST", "error_rate": 0.7}])
    client = hrms(TransportPolicy(max_retries=10, breaker_threshold=100))
    payload = {"first_name": "Ira", "last_name": "Sen", "email": "ira.sen@example.com", "applied_for_job_id": job_id}
    first = await client.request("POST", "/candidates", json=payload, idempotency_key="outbox-1")
    assert first.status_code == 201
    assert client.sent() > 1
    await set_faults(rules=[])
    replay = await client.request("POST", "/candidates", json=payload, idempotency_key="outbox-1")
    assert replay.json()["candidate_id"] == first.json()["candidate_id"]


async def test_latency_past_the_read_timeout_is_unavailable_over_real_http() -> None:
    with LiveMockHRMS(SETTINGS) as server:
        async with asgi_client(server.app, SETTINGS.control_token) as control:
            await control.put("/_control/faults", json={"rules": [{"path": "/api/v1/employees", "latency_ms": 400}]})
        policy = TransportPolicy(read_timeout=0.1, max_retries=1, backoff_base=0.01, breaker_threshold=100)
        async with HRMSHttpClient(
            f"{server.base_url}/api/v1",
            integration_key="org-live",
            headers=AUTH,
            policy=policy,
            state=MemoryTransportState(),
            allow_private_network=True,  # the mock HRMS listens on loopback
        ) as client:
            with pytest.raises(e.Unavailable) as info:
                await client.get_json("/employees")
            assert isinstance(info.value.__cause__, httpx.ReadTimeout)
            assert (await client.get_json("/departments"))["data"]
