"""The control surface: HR's own changes reach API clients; it needs the control token."""

from __future__ import annotations

import pytest

from mock_hrms.api.testing import asgi_client
from mock_hrms.tests.helpers import assert_error, first


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_control/stats"),
        ("POST", "/_control/simulate"),
        ("PUT", "/_control/faults"),
        ("DELETE", "/_control/faults"),
        ("PUT", "/_control/token"),
        ("GET", "/_control/openapi.json"),
    ],
)
async def test_the_control_surface_requires_the_control_token(mock_hrms_app, method, path):
    async with asgi_client(mock_hrms_app) as anonymous:
        response = await anonymous.request(method, path)
    assert_error(response, 401, "unauthorized")


async def test_stats_count_live_records(mock_hrms_control):
    stats = (await mock_hrms_control.get("/_control/stats")).json()
    assert stats["counts"]["employees"] == 150
    assert set(stats["counts"]) == {
        "departments", "employees", "job_requisitions", "candidates", "interviews", "leave_requests",
    }  # fmt: skip


async def test_a_hire_appears_in_the_api(mock_hrms_client, mock_hrms_control):
    hired = await mock_hrms_control.post("/_control/employees", json={})
    assert hired.status_code == 201, hired.text
    response = await mock_hrms_client.get(f"/api/v1/employees/{hired.json()['id']}")
    assert response.status_code == 200


async def test_a_transfer_moves_the_employee(mock_hrms_client, mock_hrms_control):
    departments = (await mock_hrms_client.get("/api/v1/departments")).json()["data"]
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    target = next(d for d in departments if d["id"] != employee["department_id"])
    moved = await mock_hrms_control.post(
        f"/_control/employees/{employee['id']}/transfer", json={"department_id": target["id"]}
    )
    assert moved.status_code == 200, moved.text
    detail = (await mock_hrms_client.get(f"/api/v1/employees/{employee['id']}")).json()
    assert detail["department_id"] == target["id"]


async def test_a_termination_is_visible(mock_hrms_client, mock_hrms_control):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    response = await mock_hrms_control.post(f"/_control/employees/{employee['id']}/terminate")
    assert response.status_code == 200, response.text
    detail = (await mock_hrms_client.get(f"/api/v1/employees/{employee['id']}")).json()
    assert detail["employment_status"] == "terminated"


async def test_a_withdrawal_is_visible(mock_hrms_client, mock_hrms_control):
    candidate = await first(mock_hrms_client, "/api/v1/candidates", status="active")
    response = await mock_hrms_control.post(f"/_control/candidates/{candidate['id']}/withdraw")
    assert response.status_code == 200, response.text
    assert (await mock_hrms_client.get(f"/api/v1/candidates/{candidate['id']}")).json()["status"] == "withdrawn"


async def test_a_leave_decision_is_visible(mock_hrms_client, mock_hrms_control):
    leave = await first(mock_hrms_client, "/api/v1/leave-requests", status="pending")
    response = await mock_hrms_control.post(f"/_control/leave-requests/{leave['id']}/decision", json={"approve": True})
    assert response.status_code == 200, response.text
    detail = await mock_hrms_client.get("/api/v1/leave-requests", params={"employee_id": leave["employee_id"]})
    assert {r["id"]: r["status"] for r in detail.json()["data"]}[leave["id"]] == "approved"


async def test_control_writes_on_unknown_records_are_404(mock_hrms_control):
    assert_error(await mock_hrms_control.post("/_control/employees/NOPE/terminate"), 404)
    assert_error(await mock_hrms_control.delete("/_control/employees/NOPE"), 404)


async def test_deleting_an_unknown_entity_kind_is_404(mock_hrms_control):
    assert_error(await mock_hrms_control.delete("/_control/payslips/1"), 404, "unknown_entity")


async def test_an_update_with_a_bad_field_is_4xx_not_500(mock_hrms_client, mock_hrms_control):
    employee = await first(mock_hrms_client, "/api/v1/employees")
    response = await mock_hrms_control.patch(f"/_control/employees/{employee['id']}", json={"no_such_field": 1})
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


async def test_simulate_applies_a_reproducible_batch(mock_hrms_control):
    response = await mock_hrms_control.post("/_control/simulate", json={"count": 25, "seed": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["changes"]) > 0
    assert {"action", "entity", "id"} <= set(body["changes"][0])


async def test_the_control_surface_is_not_in_the_public_openapi_but_has_its_own(mock_hrms_client, mock_hrms_control):
    public = (await mock_hrms_client.get("/openapi.json")).json()
    assert not [p for p in public["paths"] if p.startswith("/_control")]
    own = (await mock_hrms_control.get("/_control/openapi.json")).json()
    assert "/_control/faults" in own["paths"]
    assert "/_control/simulate" in own["paths"]
