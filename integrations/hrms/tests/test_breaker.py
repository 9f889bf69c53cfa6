"""The circuit breaker: open after repeated transient failures, refuse without I/O, one probe, close."""

from __future__ import annotations

import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import TransportPolicy

from .conftest import Script

POLICY = TransportPolicy(max_retries=0, breaker_threshold=3, breaker_cool_down=30.0, breaker_probe_lease=10.0)


async def fail_times(client, n: int) -> None:
    for _ in range(n):
        with pytest.raises(e.Unavailable):
            await client.request("GET", "/employees")


async def test_opens_after_threshold_consecutive_failures(make_client, state) -> None:
    client = make_client(Script([503]), policy=POLICY)
    await fail_times(client, 3)
    assert await state.breaker_state("org-1") == "open"


async def test_open_breaker_refuses_without_touching_the_transport(make_client) -> None:
    script = Script([503])
    client = make_client(script, policy=POLICY)
    await fail_times(client, 3)
    with pytest.raises(e.CircuitOpen) as info:
        await client.request("GET", "/employees")
    assert script.calls == 3
    assert info.value.reopens_in == pytest.approx(30.0)


async def test_circuit_open_is_not_retried(make_client, clock) -> None:
    client = make_client(Script([503]), policy=POLICY)
    await fail_times(client, 3)
    retrying = make_client(Script([200]), policy=TransportPolicy(breaker_threshold=3, breaker_cool_down=30.0))
    sleeps_before = len(clock.sleeps)
    with pytest.raises(e.CircuitOpen):
        await retrying.request("GET", "/employees")
    assert len(clock.sleeps) == sleeps_before


async def test_a_success_resets_the_consecutive_count(make_client, state) -> None:
    client = make_client(Script([503, 503, 200, 503, 503]), policy=POLICY)
    await fail_times(client, 2)
    await client.request("GET", "/employees")
    await fail_times(client, 2)
    assert await state.breaker_state("org-1") == "closed"


@pytest.mark.parametrize("status", [401, 403, 404, 409, 422, 429])
async def test_answers_that_prove_the_hrms_is_up_do_not_count(make_client, state, status: int) -> None:
    client = make_client(Script([status]), policy=POLICY)
    for _ in range(5):
        with pytest.raises(e.HRMSError):
            await client.request("GET", "/employees")
    assert await state.breaker_state("org-1") == "closed"


async def test_after_cool_down_one_probe_success_closes(make_client, state, clock) -> None:
    script = Script([503, 503, 503, 200])
    client = make_client(script, policy=POLICY)
    await fail_times(client, 3)
    clock.advance(30.0)
    assert (await client.request("GET", "/employees")).status_code == 200
    assert await state.breaker_state("org-1") == "closed"


async def test_failed_probe_reopens_for_another_cool_down(make_client, state, clock) -> None:
    script = Script([503])
    client = make_client(script, policy=POLICY)
    await fail_times(client, 3)
    clock.advance(30.0)
    await fail_times(client, 1)
    assert script.calls == 4
    with pytest.raises(e.CircuitOpen) as info:
        await client.request("GET", "/employees")
    assert info.value.reopens_in == pytest.approx(30.0)


async def test_only_one_probe_while_half_open(state, clock) -> None:
    await open_breaker(state)
    clock.advance(30.0)
    first = await state.breaker_before_call("org-1", probe_lease=10.0)
    second = await state.breaker_before_call("org-1", probe_lease=10.0)
    assert first.allowed
    assert first.probe
    assert not second.allowed
    assert second.reopens_in == pytest.approx(10.0)


async def test_an_abandoned_probe_is_released_when_its_lease_ends(state, clock) -> None:
    await open_breaker(state)
    clock.advance(30.0)
    await state.breaker_before_call("org-1", probe_lease=10.0)
    clock.advance(10.0)
    again = await state.breaker_before_call("org-1", probe_lease=10.0)
    assert again.allowed
    assert again.probe


async def test_breakers_are_per_integration(make_client) -> None:
    await fail_times(make_client(Script([503]), policy=POLICY), 3)
    other = make_client(Script([200]), policy=POLICY, integration_key="org-2")
    assert (await other.request("GET", "/employees")).status_code == 200


async def test_timeouts_count_as_failures(make_client, state) -> None:
    client = make_client(Script([httpx.ConnectTimeout("t")]), policy=POLICY)
    await fail_times(client, 3)
    assert await state.breaker_state("org-1") == "open"


async def open_breaker(state) -> None:
    for _ in range(3):
        await state.breaker_record("org-1", success=False, probe=False, threshold=3, cool_down=30.0)


async def test_an_open_breaker_reports_the_failure_that_opened_it(make_client) -> None:
    client = make_client(Script([httpx.ConnectError("[Errno 111] Connection refused")]), policy=POLICY)
    await fail_times(client, 3)
    with pytest.raises(e.CircuitOpen) as info:
        await client.request("GET", "/employees")
    message = info.value.message
    assert message.startswith("GET /employees: connection refused to https://hrms.example.test")
    assert "circuit breaker" in message
    assert "the next try is in 30.0 s" in message
    assert info.value.retry_after == pytest.approx(30.0)  # a retry must not come back sooner


async def test_a_redis_breaker_remembers_the_cause_for_every_worker(make_client, redis_state) -> None:
    client = make_client(Script([503]), policy=POLICY, state=redis_state)
    await fail_times(client, 3)
    decision = await redis_state.breaker_before_call("org-1", probe_lease=10.0)
    assert not decision.allowed
    assert decision.cause.startswith("GET /employees → 503")


async def test_a_healthy_success_costs_no_write_to_the_shared_state(make_client, state, monkeypatch) -> None:
    records = []
    original = state.breaker_record

    async def counting(*args, **kwargs):
        records.append(kwargs)
        return await original(*args, **kwargs)

    monkeypatch.setattr(state, "breaker_record", counting)
    client = make_client(Script([200]), policy=POLICY)
    for _ in range(5):
        await client.request("GET", "/employees")
    assert records == []  # closed, no failures: nothing to reset
    client = make_client(Script([503, 200]), policy=POLICY)
    with pytest.raises(e.Unavailable):
        await client.request("GET", "/employees")
    await client.request("GET", "/employees")
    assert [r["success"] for r in records] == [False, True]  # the success after a failure resets the count
