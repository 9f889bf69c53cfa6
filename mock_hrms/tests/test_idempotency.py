"""Idempotency-Key on writes: a retry is answered with the first response and applied once."""

from __future__ import annotations

import httpx

from mock_hrms.tests.helpers import assert_error, first


async def candidate_body(client: httpx.AsyncClient, email: str) -> dict:
    job = await first(client, "/api/v1/job-requisitions")
    return {"first_name": "Ravi", "last_name": "Kumar", "email": email, "applied_for_job_id": job["id"]}


async def candidate_total(client: httpx.AsyncClient) -> int:
    return (await client.get("/api/v1/candidates")).json()["total"]


async def test_the_same_key_and_body_replays_the_first_response_without_applying_twice(mock_hrms_client):
    client = mock_hrms_client
    body = await candidate_body(client, "ravi.kumar@example.org")
    before = await candidate_total(client)
    headers = {"Idempotency-Key": "create-ravi-1"}
    first_response = await client.post("/api/v1/candidates", json=body, headers=headers)
    replay = await client.post("/api/v1/candidates", json=body, headers=headers)
    assert first_response.status_code == replay.status_code == 201
    assert replay.json() == first_response.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert await candidate_total(client) == before + 1


async def test_key_order_and_spacing_of_the_body_do_not_matter(mock_hrms_client):
    client = mock_hrms_client
    body = await candidate_body(client, "order@example.org")
    headers = {"Idempotency-Key": "k-order", "Content-Type": "application/json"}
    one = await client.post("/api/v1/candidates", json=body, headers=headers)
    reordered = "{" + ", ".join(f'"{k}": "{v}"' for k, v in reversed(body.items())) + "}"
    two = await client.post("/api/v1/candidates", content=reordered.encode(), headers=headers)
    assert two.json() == one.json()


async def test_the_same_key_with_another_body_is_422_idempotency_key_reused(mock_hrms_client):
    client = mock_hrms_client
    headers = {"Idempotency-Key": "create-twice"}
    await client.post("/api/v1/candidates", json=await candidate_body(client, "a@example.org"), headers=headers)
    response = await client.post(
        "/api/v1/candidates", json=await candidate_body(client, "b@example.org"), headers=headers
    )
    assert_error(response, 422, "idempotency_key_reused")


async def test_a_refused_write_is_replayed_as_the_same_refusal(mock_hrms_client):
    headers = {"Idempotency-Key": "bad-job"}
    body = {"first_name": "X", "email": "x@example.org", "applied_for_job_id": "NOPE"}
    one = await mock_hrms_client.post("/api/v1/candidates", json=body, headers=headers)
    two = await mock_hrms_client.post("/api/v1/candidates", json=body, headers=headers)
    assert one.status_code == two.status_code == 404
    assert two.json() == one.json()


async def test_patch_is_idempotent_too(mock_hrms_client):
    client = mock_hrms_client
    interview = await first(client, "/api/v1/interviews", status="scheduled")
    headers = {"Idempotency-Key": "cancel-once"}
    path = f"/api/v1/interviews/{interview['id']}"
    one = await client.patch(path, json={"status": "cancelled"}, headers=headers)
    two = await client.patch(path, json={"status": "cancelled"}, headers=headers)
    assert one.status_code == 200, one.text
    assert two.json() == one.json()
    assert two.json()["updated_at"] == one.json()["updated_at"]


async def test_without_a_key_each_write_is_applied(mock_hrms_client):
    client = mock_hrms_client
    before = await candidate_total(client)
    await client.post("/api/v1/candidates", json=await candidate_body(client, "one@example.org"))
    await client.post("/api/v1/candidates", json=await candidate_body(client, "two@example.org"))
    assert await candidate_total(client) == before + 2


async def test_an_over_long_key_is_422(mock_hrms_client):
    response = await mock_hrms_client.post("/api/v1/candidates", json={}, headers={"Idempotency-Key": "k" * 300})
    assert_error(response, 422, "invalid_idempotency_key")


async def test_a_wrong_method_is_405_even_with_a_key_already_used_for_a_write(mock_hrms_client):
    """The router decides first: a key replay or reuse rule never answers for a method the path lacks."""
    client = mock_hrms_client
    headers = {"Idempotency-Key": "one-key"}
    created = await client.post(
        "/api/v1/candidates", json=await candidate_body(client, "k@example.org"), headers=headers
    )
    assert created.status_code == 201, created.text
    response = await client.post(f"/api/v1/candidates/{created.json()['id']}", json={}, headers=headers)
    assert_error(response, 405, "method_not_allowed")


async def test_a_wrong_method_with_a_malformed_key_is_405_not_a_key_error(mock_hrms_client):
    response = await mock_hrms_client.patch("/api/v1/employees", json={}, headers={"Idempotency-Key": "k" * 300})
    assert_error(response, 405, "method_not_allowed")


async def test_a_key_sent_to_a_path_without_that_route_is_not_spent(mock_hrms_client):
    client = mock_hrms_client
    headers = {"Idempotency-Key": "typo-first"}
    assert_error(await client.post("/api/v1/candidate", json={}, headers=headers), 404, "not_found")
    body = await candidate_body(client, "typo@example.org")
    response = await client.post("/api/v1/candidates", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers
