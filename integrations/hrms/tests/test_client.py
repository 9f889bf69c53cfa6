"""HRMSHttpClient: what is retried, how long it waits, what comes out (scripted answers, fake clock)."""

from __future__ import annotations

import email.utils
import logging

import httpx
import orjson
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import TransportPolicy

from .conftest import Script

NO_BREAKER = TransportPolicy(breaker_threshold=100)


@pytest.mark.parametrize("failure", [500, 502, 503, 504])
async def test_read_is_retried_on_5xx_then_succeeds(make_client, failure: int) -> None:
    script = Script([failure, failure, 200])
    response = await make_client(script, policy=NO_BREAKER).request("GET", "/employees")
    assert response.status_code == 200
    assert script.calls == 3


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
async def test_read_is_retried_on_network_failure_then_succeeds(make_client, failure: Exception) -> None:
    script = Script([failure, 200])
    assert (await make_client(script).request("GET", "/employees")).status_code == 200
    assert script.calls == 2


@pytest.mark.parametrize(
    ("status", "error"), [(401, e.AuthenticationFailed), (404, e.NotFound), (422, e.ValidationRejected)]
)
async def test_permanent_errors_are_not_retried(make_client, status: int, error: type[e.HRMSError]) -> None:
    script = Script([status, 200])
    with pytest.raises(error):
        await make_client(script).request("GET", "/employees/E1")
    assert script.calls == 1


async def test_error_is_raised_from_its_cause(make_client) -> None:
    with pytest.raises(e.NotFound) as info:
        await make_client(Script([404])).request("GET", "/employees/E1")
    assert isinstance(info.value.__cause__, httpx.HTTPStatusError)


async def test_timeout_is_raised_from_the_httpx_error(make_client) -> None:
    with pytest.raises(e.Unavailable) as info:
        await make_client(Script([httpx.ReadTimeout("slow")]), policy=TransportPolicy(max_retries=0)).request(
            "GET", "/x"
        )
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_write_without_idempotency_key_is_not_retried(make_client) -> None:
    script = Script([503, 201])
    with pytest.raises(e.Unavailable):
        await make_client(script).request("POST", "/candidates", json={"first_name": "A"})
    assert script.calls == 1


async def test_write_with_idempotency_key_is_retried_and_sends_the_key(make_client) -> None:
    script = Script([httpx.ReadTimeout("slow"), 503, 201])
    response = await make_client(script).request(
        "POST", "/candidates", json={"first_name": "A"}, idempotency_key="outbox-42"
    )
    assert response.status_code == 201
    assert script.calls == 3
    assert {r.headers["Idempotency-Key"] for r in script.requests} == {"outbox-42"}


async def test_json_body_is_sent_as_json(make_client) -> None:
    script = Script([201])
    await make_client(script).request("POST", "/candidates", json={"name": "Añu", "n": 1})
    assert orjson.loads(script.requests[0].content) == {"name": "Añu", "n": 1}
    assert script.requests[0].headers["Content-Type"] == "application/json"


async def test_get_json_parses_the_body(make_client) -> None:
    script = Script([httpx.Response(200, json={"employees": [{"id": "E1"}]})])
    assert await make_client(script).get_json("/employees", params={"page": 2}) == {"employees": [{"id": "E1"}]}
    assert script.requests[0].url.params["page"] == "2"


async def test_get_json_refuses_a_body_that_is_not_json(make_client) -> None:
    with pytest.raises(e.HRMSError, match="not JSON"):
        await make_client(Script([httpx.Response(200, text="<html>")])).get_json("/employees")


async def test_backoff_is_capped_exponential(make_client, clock) -> None:
    policy = TransportPolicy(max_retries=5, backoff_base=0.5, backoff_cap=3.0, breaker_threshold=100)
    with pytest.raises(e.Unavailable):
        await make_client(Script([500]), policy=policy).request("GET", "/x")
    # rng is pinned to 1.0, so full jitter hits its ceiling: base·2^(n-1), capped.
    assert clock.sleeps == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_attempts_are_capped(make_client) -> None:
    script = Script([500])
    with pytest.raises(e.Unavailable):
        await make_client(script, policy=TransportPolicy(max_retries=2, breaker_threshold=100)).request("GET", "/x")
    assert script.calls == 3


async def test_retry_after_seconds_is_honoured_over_backoff(make_client, clock) -> None:
    script = Script([httpx.Response(429, headers={"Retry-After": "7"}), 200])
    await make_client(script).request("GET", "/employees")
    assert clock.sleeps == [7.0]


async def test_retry_after_http_date_is_honoured(make_client, clock) -> None:
    import datetime as dt

    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20), usegmt=True)
    script = Script([httpx.Response(429, headers={"Retry-After": when}), 200])
    await make_client(script).request("GET", "/employees")
    assert len(clock.sleeps) == 1
    assert 18.0 <= clock.sleeps[0] <= 20.0


async def test_deadline_stops_a_wait_that_would_cross_it(make_client, clock) -> None:
    script = Script([httpx.Response(429, headers={"Retry-After": "30"}), 200])
    with pytest.raises(e.RateLimited) as info:
        await make_client(script, policy=TransportPolicy(deadline=10.0)).request("GET", "/employees")
    assert info.value.retry_after == 30.0
    assert script.calls == 1
    assert clock.sleeps == []


async def test_deadline_bounds_the_total_time_of_retries(make_client, clock) -> None:
    policy = TransportPolicy(max_retries=50, backoff_base=1.0, backoff_cap=4.0, deadline=10.0, breaker_threshold=100)
    start = clock.now
    with pytest.raises(e.Unavailable):
        await make_client(Script([500]), policy=policy).request("GET", "/x")
    assert clock.now - start <= 10.0


async def test_retry_is_logged_without_query_values(make_client, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hrms.http")
    await make_client(Script([500, 200]), policy=NO_BREAKER).request(
        "GET", "/employees/by-email/ana@example.com?email=ana@example.com"
    )
    retries = [r for r in caplog.records if r.getMessage() == "hrms.http.retry"]
    assert len(retries) == 1
    assert retries[0].integration == "org-1"
    assert retries[0].path == "/employees/by-email/{redacted}"
    assert "ana@example.com" not in caplog.text


async def test_a_transport_event_names_each_field_once_in_the_log_line(make_client, caplog) -> None:
    from harvey.log_format import EventFormatter

    caplog.set_level(logging.INFO, logger="hrms.http")
    await make_client(Script([500, 200]), policy=NO_BREAKER).request("GET", "/employees")
    (retry,) = [r for r in caplog.records if r.getMessage() == "hrms.http.retry"]
    line = EventFormatter("%(message)s").format(retry)
    assert line.startswith("hrms.http.retry ")
    assert line.count("integration=org-1") == 1
    assert "fields=" not in line
    assert "event=" not in line


async def test_client_is_an_async_context_manager(make_client) -> None:
    async with make_client(Script([200])) as client:
        await client.request("GET", "/x")
    assert client._http.is_closed
