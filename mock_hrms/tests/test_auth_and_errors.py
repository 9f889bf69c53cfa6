"""Authentication and the one error shape: every failure is a canonical ErrorBody, never a 500."""

from __future__ import annotations

import re

import httpx
import pytest

from mock_hrms.api.testing import asgi_client
from mock_hrms.tests.helpers import assert_error

API_PATHS = [
    "/api/v1/employees",
    "/api/v1/employees/EMP001",
    "/api/v1/departments",
    "/api/v1/job-requisitions",
    "/api/v1/candidates",
    "/api/v1/interviews",
    "/api/v1/leave-requests",
    "/api/v1/leave-balances",
]


@pytest.mark.parametrize("path", API_PATHS)
async def test_a_request_without_a_token_is_401_with_a_bearer_challenge(mock_hrms_app, path):
    async with asgi_client(mock_hrms_app) as client:
        response = await client.get(path)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_token_is_401(mock_hrms_app):
    async with asgi_client(mock_hrms_app, "not-the-token") as client:
        response = await client.get("/api/v1/employees")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_non_bearer_scheme_is_401(mock_hrms_app):
    async with asgi_client(mock_hrms_app) as client:
        response = await client.get("/api/v1/employees", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(response, 401, "unauthorized")


async def test_the_control_token_does_not_open_the_hrms_api(mock_hrms_control):
    assert_error(await mock_hrms_control.get("/api/v1/employees"), 401, "unauthorized")


async def test_the_hrms_token_does_not_open_the_control_surface(mock_hrms_client):
    assert_error(await mock_hrms_client.get("/_control/stats"), 401, "unauthorized")


async def test_an_unknown_employee_is_404(mock_hrms_client: httpx.AsyncClient):
    assert_error(await mock_hrms_client.get("/api/v1/employees/NOPE999"), 404, "employee_not_found")


async def test_an_unknown_route_is_404_error_body(mock_hrms_client: httpx.AsyncClient):
    assert_error(await mock_hrms_client.get("/api/v1/payroll"), 404, "not_found")


async def test_a_wrong_method_is_405_error_body(mock_hrms_client: httpx.AsyncClient):
    assert_error(await mock_hrms_client.delete("/api/v1/employees"), 405, "method_not_allowed")


async def test_a_405_allows_every_method_the_path_has_in_the_document(mock_hrms_client: httpx.AsyncClient):
    """RFC 9110: `Allow` lists the target's methods — all of them, also where two routes share one path."""
    document = (await mock_hrms_client.get("/openapi.json")).json()
    wrong = {}
    for path, operations in document["paths"].items():
        documented = {method.upper() for method in operations}
        response = await mock_hrms_client.put(re.sub(r"\{[^}]+\}", "X1", path), json={})
        assert_error(response, 405, "method_not_allowed")
        allowed = set(response.headers["allow"].split(", "))
        if allowed != documented:
            wrong[path] = (sorted(allowed), sorted(documented))
    assert not wrong, f"Allow (sent, documented) differs on {wrong}"


async def test_validation_errors_are_reshaped_with_field_details(mock_hrms_client: httpx.AsyncClient):
    response = await mock_hrms_client.get("/api/v1/employees", params={"page_size": 0})
    body = assert_error(response, 422, "validation_error")
    assert body.details[0]["field"] == "query.page_size"
    assert body.details[0]["problem"]


async def test_page_size_above_1000_is_rejected(mock_hrms_client: httpx.AsyncClient):
    assert_error(await mock_hrms_client.get("/api/v1/employees", params={"page_size": 1001}), 422)


async def test_a_body_that_is_not_json_is_422(mock_hrms_client: httpx.AsyncClient):
    response = await mock_hrms_client.post(
        "/api/v1/candidates", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "validation_error")


async def test_unknown_fields_in_a_write_are_422(mock_hrms_client: httpx.AsyncClient):
    response = await mock_hrms_client.post(
        "/api/v1/leave-requests",
        json={"employee_id": "EMP001", "leave_type": "annual", "start_date": "2026-03-02",
              "end_date": "2026-03-03", "reasn": "typo"},
    )  # fmt: skip
    body = assert_error(response, 422, "validation_error")
    assert any(d["field"] == "body.reasn" for d in body.details)


async def test_a_malformed_updated_since_is_422_naming_the_field(mock_hrms_client: httpx.AsyncClient):
    response = await mock_hrms_client.get("/api/v1/employees", params={"updated_since": "yesterday"})
    body = assert_error(response, 422, "validation_error")
    assert body.details[0]["field"] == "query.updated_since"


async def test_a_cursor_we_did_not_issue_is_400(mock_hrms_client: httpx.AsyncClient):
    assert_error(await mock_hrms_client.get("/api/v1/employees", params={"cursor": "garbage!"}), 400, "invalid_cursor")
