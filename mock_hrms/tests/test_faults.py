"""Fault injection through the control surface: latency, 500/503 rates, 429 + Retry-After, token expiry."""

from __future__ import annotations

import asyncio
import time

import httpx

from mock_hrms.tests.helpers import assert_error


async def put_faults(control: httpx.AsyncClient, config: dict) -> None:
    response = await control.put("/_control/faults", json=config)
    assert response.status_code == 200, response.text


async def statuses(client: httpx.AsyncClient, path: str, n: int) -> list[int]:
    return [(await client.get(path)).status_code for _ in range(n)]


async def test_latency_is_added_to_matching_paths_only(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"rules": [{"path": "/api/v1/departments", "latency_ms": 150}]})
    started = time.perf_counter()
    assert (await mock_hrms_client.get("/api/v1/departments")).status_code == 200
    slow = time.perf_counter() - started
    started = time.perf_counter()
    assert (await mock_hrms_client.get("/api/v1/employees")).status_code == 200
    fast = time.perf_counter() - started
    assert slow >= 0.15
    assert fast < 0.15


async def test_an_error_rate_fails_that_fraction_of_requests_reproducibly(mock_hrms_client, mock_hrms_control):
    config = {"seed": 7, "rules": [{"path": "/api/v1/employees", "error_rate": 0.3, "error_status": 500}]}
    await put_faults(mock_hrms_control, config)
    first_run = await statuses(mock_hrms_client, "/api/v1/employees?page_size=1", 200)
    await put_faults(mock_hrms_control, config)
    second_run = await statuses(mock_hrms_client, "/api/v1/employees?page_size=1", 200)
    assert first_run == second_run
    assert set(first_run) == {200, 500}
    assert 0.2 < first_run.count(500) / 200 < 0.4


async def test_an_injected_503_is_an_error_body_with_retry_after(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"rules": [{"path": "/api/", "error_rate": 1.0, "error_status": 503}]})
    response = await mock_hrms_client.get("/api/v1/candidates")
    assert_error(response, 503, "service_unavailable")
    assert response.headers["retry-after"] == "1"


async def test_every_nth_request_is_rate_limited_with_retry_after(mock_hrms_client, mock_hrms_control):
    rule = {"path": "/api/v1/*", "rate_limit": {"every_nth": 3, "retry_after_seconds": 2}}
    await put_faults(mock_hrms_control, {"rules": [rule]})
    responses = [await mock_hrms_client.get("/api/v1/departments") for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429]
    assert_error(responses[2], 429, "rate_limited")
    assert responses[2].headers["retry-after"] == "2"


async def test_a_window_limit_allows_k_requests_then_429_until_the_window_ends(mock_hrms_client, mock_hrms_control):
    rule = {"path": "/api/v1/employees", "rate_limit": {"max_requests": 2, "window_seconds": 30}}
    await put_faults(mock_hrms_control, {"rules": [rule]})
    codes = await statuses(mock_hrms_client, "/api/v1/employees?page_size=1", 4)
    assert codes == [200, 200, 429, 429]
    limited = await mock_hrms_client.get("/api/v1/employees")
    assert 1 <= int(limited.headers["retry-after"]) <= 30


async def test_a_rule_can_match_one_method_only(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"rules": [{"path": "/api/", "method": "POST", "error_rate": 1.0}]})
    assert (await mock_hrms_client.get("/api/v1/departments")).status_code == 200
    assert (await mock_hrms_client.post("/api/v1/candidates", json={})).status_code == 503


async def test_faults_never_touch_the_control_surface_or_the_openapi_document(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"rules": [{"path": "/", "error_rate": 1.0}]})
    assert (await mock_hrms_control.get("/_control/stats")).status_code == 200
    assert (await mock_hrms_client.get("/openapi.json")).status_code == 200


async def test_get_shows_and_delete_clears_the_faults(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"seed": 3, "rules": [{"path": "/api/", "error_rate": 1.0}]})
    shown = (await mock_hrms_control.get("/_control/faults")).json()
    assert shown["seed"] == 3
    assert shown["rules"][0]["error_rate"] == 1.0
    assert (await mock_hrms_control.delete("/_control/faults")).status_code == 200
    assert (await mock_hrms_control.get("/_control/faults")).json()["rules"] == []
    assert (await mock_hrms_client.get("/api/v1/departments")).status_code == 200


async def test_an_invalid_fault_configuration_is_422(mock_hrms_control):
    response = await mock_hrms_control.put("/_control/faults", json={"rules": [{"error_rate": 2}]})
    assert_error(response, 422, "validation_error")


async def test_the_token_expires_after_n_requests(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"token_expiry": {"after_requests": 2}})
    assert await statuses(mock_hrms_client, "/api/v1/departments", 2) == [200, 200]
    response = await mock_hrms_client.get("/api/v1/departments")
    assert_error(response, 401, "token_expired")
    assert "invalid_token" in response.headers["www-authenticate"]


async def test_the_token_expires_after_n_seconds(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"token_expiry": {"after_seconds": 0.1}})
    assert (await mock_hrms_client.get("/api/v1/departments")).status_code == 200
    await asyncio.sleep(0.15)
    assert_error(await mock_hrms_client.get("/api/v1/departments"), 401, "token_expired")


async def test_rotating_the_token_retires_the_old_one_and_restarts_expiry(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"token_expiry": {"after_requests": 1}})
    await mock_hrms_client.get("/api/v1/departments")
    rotated = await mock_hrms_control.put("/_control/token", json={"token": "fresh-token-0001"})
    assert rotated.json() == {"token": "fresh-token-0001"}
    assert_error(await mock_hrms_client.get("/api/v1/departments"), 401, "unauthorized")
    fresh = {"Authorization": "Bearer fresh-token-0001"}
    assert (await mock_hrms_client.get("/api/v1/departments", headers=fresh)).status_code == 200
    assert_error(await mock_hrms_client.get("/api/v1/departments", headers=fresh), 401, "token_expired")


async def test_rotating_without_a_token_issues_a_random_one(mock_hrms_control):
    token = (await mock_hrms_control.put("/_control/token")).json()["token"]
    assert token.startswith("mock-hrms-")
    assert len(token) > 20


async def test_injected_failures_do_not_consume_an_idempotency_key(mock_hrms_client, mock_hrms_control):
    await put_faults(mock_hrms_control, {"rules": [{"path": "/api/", "method": "POST", "error_rate": 1.0}]})
    headers = {"Idempotency-Key": "retry-through-outage"}
    body = {"first_name": "X", "email": "x@example.org", "applied_for_job_id": "NOPE"}
    assert (await mock_hrms_client.post("/api/v1/candidates", json=body, headers=headers)).status_code == 503
    await mock_hrms_control.delete("/_control/faults")
    assert (await mock_hrms_client.post("/api/v1/candidates", json=body, headers=headers)).status_code == 404
