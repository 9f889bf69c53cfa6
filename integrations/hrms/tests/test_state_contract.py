"""The same contract for every TransportState, and Redis state shared by separate clients ("workers").

Memory and Redis run the same cases on real time with short durations; Redis ones use the real server
(REDIS_URL or redis://127.0.0.1:6379/15) with a unique key prefix per test.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import HRMSHttpClient, MemoryTransportState, TransportPolicy
from integrations.hrms.http.redis_state import RedisTransportState

from .conftest import BASE_URL, Script


@pytest.fixture(params=["memory", "redis"])
def any_state(request):
    if request.param == "memory":
        return MemoryTransportState()
    return request.getfixturevalue("redis_state")


async def test_burst_then_wait(any_state) -> None:
    grants = [await any_state.acquire_slot("k", rate=10, burst=3) for _ in range(4)]
    assert grants[:3] == [0.0, 0.0, 0.0]
    assert 0.05 < grants[3] <= 0.1


async def test_pause_then_single_slot(any_state) -> None:
    await any_state.pause("k", 0.2, rate=100, burst=10)
    wait = await any_state.acquire_slot("k", rate=100, burst=10)
    assert 0.1 < wait <= 0.2
    await asyncio.sleep(wait)
    assert await any_state.acquire_slot("k", rate=100, burst=10) == 0.0
    assert await any_state.acquire_slot("k", rate=100, burst=10) > 0.0


async def test_pause_never_shortens_a_longer_pause(any_state) -> None:
    await any_state.pause("k", 5.0, rate=10, burst=1)
    await any_state.pause("k", 0.1, rate=10, burst=1)
    assert await any_state.acquire_slot("k", rate=10, burst=1) > 4.0


async def test_breaker_cycle(any_state) -> None:
    for _ in range(2):
        await any_state.breaker_record("k", success=False, probe=False, threshold=2, cool_down=0.2)
    assert await any_state.breaker_state("k") == "open"
    refused = await any_state.breaker_before_call("k", probe_lease=5.0)
    assert not refused.allowed
    assert 0.0 < refused.reopens_in <= 0.2
    await asyncio.sleep(refused.reopens_in + 0.01)
    probe = await any_state.breaker_before_call("k", probe_lease=5.0)
    assert probe.allowed
    assert probe.probe
    assert await any_state.breaker_state("k") == "half_open"
    moved = await any_state.breaker_record("k", success=True, probe=True, threshold=2, cool_down=0.2)
    assert (moved.state, moved.changed) == ("closed", True)
    assert (await any_state.breaker_before_call("k", probe_lease=5.0)).allowed


async def test_reset_forgets_an_integration(any_state) -> None:
    await any_state.breaker_record("k", success=False, probe=False, threshold=1, cool_down=60)
    await any_state.reset("k")
    assert await any_state.breaker_state("k") == "closed"


async def test_workers_sharing_redis_never_exceed_the_burst(redis_client, redis_prefix) -> None:
    workers = [RedisTransportState(redis_client, prefix=redis_prefix) for _ in range(4)]
    grants = await asyncio.gather(*(w.acquire_slot("org", rate=0.5, burst=5) for w in workers for _ in range(10)))
    assert sum(1 for wait in grants if wait == 0.0) == 5


async def test_workers_sharing_redis_get_exactly_one_half_open_probe(redis_client, redis_prefix) -> None:
    workers = [RedisTransportState(redis_client, prefix=redis_prefix) for _ in range(4)]
    await workers[0].breaker_record("org", success=False, probe=False, threshold=1, cool_down=0.05)
    await asyncio.sleep(0.06)
    decisions = await asyncio.gather(
        *(w.breaker_before_call("org", probe_lease=5.0) for w in workers for _ in range(5))
    )
    assert sum(1 for d in decisions if d.probe) == 1
    assert sum(1 for d in decisions if d.allowed) == 1


async def test_two_clients_on_redis_share_one_breaker(redis_client, redis_prefix) -> None:
    policy = TransportPolicy(max_retries=0, breaker_threshold=2, breaker_cool_down=30.0)
    failing = Script([503])
    healthy = Script([200])
    async with (
        HRMSHttpClient(
            BASE_URL,
            integration_key="org",
            policy=policy,
            state=RedisTransportState(redis_client, prefix=redis_prefix),
            transport=httpx.MockTransport(failing),
        ) as worker_a,
        HRMSHttpClient(
            BASE_URL,
            integration_key="org",
            policy=policy,
            state=RedisTransportState(redis_client, prefix=redis_prefix),
            transport=httpx.MockTransport(healthy),
        ) as worker_b,
    ):
        for _ in range(2):
            with pytest.raises(e.Unavailable):
                await worker_a.request("GET", "/employees")
        with pytest.raises(e.CircuitOpen):
            await worker_b.request("GET", "/employees")
    assert healthy.calls == 0


async def test_two_clients_on_redis_share_one_rate_budget(redis_client, redis_prefix) -> None:
    policy = TransportPolicy(rate_per_second=20, burst=1)
    script = Script([200])
    clients = [
        HRMSHttpClient(
            BASE_URL,
            integration_key="org",
            policy=policy,
            state=RedisTransportState(redis_client, prefix=redis_prefix),
            transport=httpx.MockTransport(script),
        )
        for _ in range(2)
    ]
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(c.request("GET", "/x") for c in clients for _ in range(5)))
    elapsed = loop.time() - start
    for c in clients:
        await c.aclose()
    # 10 requests at 20/s with no burst: at least 9 intervals of 50 ms, whoever sent them.
    assert elapsed >= 0.4
    assert script.calls == 10


async def test_store_built_from_a_url_opens_its_own_client(redis_client, redis_prefix) -> None:
    from .conftest import redis_url

    state = RedisTransportState(redis_url(), prefix=redis_prefix)
    try:
        assert await state.acquire_slot("org", rate=1, burst=1) == 0.0
        assert await state.acquire_slot("org", rate=1, burst=1) > 0.5
    finally:
        await state.aclose()


async def test_admit_takes_a_slot_then_asks_the_breaker(any_state) -> None:
    first = await any_state.admit("k", rate=10, burst=1, probe_lease=5.0)
    assert first.wait == 0.0
    assert first.decision.allowed
    assert first.decision.failures == 0
    second = await any_state.admit("k", rate=10, burst=1, probe_lease=5.0)
    assert 0.05 < second.wait <= 0.1
    assert second.decision is None  # no slot, no breaker decision (and no probe lease taken)


async def test_admit_reports_failures_so_far_and_refuses_with_the_cause_when_open(any_state) -> None:
    await any_state.breaker_record("k", success=False, probe=False, threshold=3, cool_down=60)
    assert (await any_state.admit("k", rate=100, burst=10, probe_lease=5.0)).decision.failures == 1
    await any_state.breaker_record("k", success=False, probe=False, threshold=2, cool_down=60, cause="refused")
    refused = (await any_state.admit("k", rate=100, burst=10, probe_lease=5.0)).decision
    assert (refused.allowed, refused.cause) == (False, "refused")
    assert refused.reopens_in > 50
