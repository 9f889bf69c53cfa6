"""The rate budget: burst, then spacing; a 429 pauses everyone sharing the integration's budget."""

from __future__ import annotations

import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import TransportPolicy
from integrations.hrms.http.ratelimit import RateLimiter

from .conftest import Script


async def test_burst_goes_at_once_then_one_slot_per_interval(state, clock) -> None:
    limiter = RateLimiter(state, "org-1", rate=10, burst=3, sleep=clock.sleep)
    for _ in range(3):
        assert await limiter.acquire() == 0.0
    assert await limiter.acquire() == pytest.approx(0.1)
    assert await limiter.acquire() == pytest.approx(0.1)


async def test_budget_refills_while_idle(state, clock) -> None:
    limiter = RateLimiter(state, "org-1", rate=10, burst=2, sleep=clock.sleep)
    await limiter.acquire()
    await limiter.acquire()
    clock.advance(1.0)
    assert await limiter.acquire() == 0.0
    assert await limiter.acquire() == 0.0


async def test_integrations_have_separate_budgets(state, clock) -> None:
    a = RateLimiter(state, "org-a", rate=1, burst=1, sleep=clock.sleep)
    b = RateLimiter(state, "org-b", rate=1, burst=1, sleep=clock.sleep)
    await a.acquire()
    assert await b.acquire() == 0.0


async def test_waiting_past_max_wait_raises_rate_limited(state, clock) -> None:
    limiter = RateLimiter(state, "org-1", rate=1, burst=1, sleep=clock.sleep)
    await limiter.acquire()
    with pytest.raises(e.RateLimited) as info:
        await limiter.acquire(max_wait=0.5)
    assert info.value.retry_after == pytest.approx(1.0)


async def test_pause_blocks_then_resumes_one_at_a_time(state, clock) -> None:
    limiter = RateLimiter(state, "org-1", rate=10, burst=5, sleep=clock.sleep)
    await limiter.pause(4.0)
    assert await limiter.acquire() == pytest.approx(4.0)
    # After the pause there is no burst to throttle again, just the steady rate.
    assert await limiter.acquire() == pytest.approx(0.1)


async def test_client_requests_are_spaced_by_the_rate(make_client, clock) -> None:
    script = Script([200])
    client = make_client(script, policy=TransportPolicy(rate_per_second=2, burst=1))
    start = clock.now
    for _ in range(5):
        await client.request("GET", "/employees")
    assert script.calls == 5
    assert clock.now - start == pytest.approx(2.0)


async def test_429_pauses_other_clients_of_the_same_integration(make_client, clock) -> None:
    throttled = make_client(
        Script([httpx.Response(429, headers={"Retry-After": "5"})]), policy=TransportPolicy(max_retries=0)
    )
    other_script = Script([200])
    other = make_client(other_script)
    with pytest.raises(e.RateLimited):
        await throttled.request("GET", "/employees")
    start = clock.now
    await other.request("GET", "/departments")
    assert clock.now - start == pytest.approx(5.0)
    assert other_script.calls == 1


async def test_429_does_not_pause_other_integrations(make_client, clock) -> None:
    throttled = make_client(
        Script([httpx.Response(429, headers={"Retry-After": "5"})]), policy=TransportPolicy(max_retries=0)
    )
    other = make_client(Script([200]), integration_key="org-2")
    with pytest.raises(e.RateLimited):
        await throttled.request("GET", "/employees")
    start = clock.now
    await other.request("GET", "/departments")
    assert clock.now == start
