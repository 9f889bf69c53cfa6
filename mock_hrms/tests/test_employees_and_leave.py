"""Employees, departments, reporting chains, leave requests and balances (incl. the /leave-balances extension)."""

from __future__ import annotations

import datetime as dt

import httpx

from hrmodel.canonical import EmployeeDetail, LeaveBalance, ReportingChain
from mock_hrms.tests.helpers import assert_error, first


def next_monday(after_days: int) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


async def test_an_employee_detail_has_the_detail_fields(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees")
    detail = EmployeeDetail.model_validate((await mock_hrms_client.get(f"/api/v1/employees/{employee['id']}")).json())
    assert detail.id == employee["id"]
    assert isinstance(detail.skills, list)


async def test_an_employee_is_found_by_email_case_insensitively(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees")
    found = (await mock_hrms_client.get("/api/v1/employees", params={"email": employee["email"].upper()})).json()
    assert [e["id"] for e in found["data"]] == [employee["id"]]
    assert found["total"] == 1


async def test_employees_filter_by_department_status_and_manager(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    params = {"department": employee["department"].lower(), "employment_status": "active"}
    body = (await mock_hrms_client.get("/api/v1/employees", params=params)).json()
    assert body["total"] >= 1
    assert all(e["department"] == employee["department"] and e["employment_status"] == "active" for e in body["data"])
    if employee["manager_id"]:
        reports = (
            await mock_hrms_client.get("/api/v1/employees", params={"manager_id": employee["manager_id"]})
        ).json()
        assert employee["id"] in {e["id"] for e in reports["data"]}


async def test_the_reporting_chain_climbs_to_the_top(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    chain = ReportingChain.model_validate(
        (await mock_hrms_client.get(f"/api/v1/employees/{employee['id']}/reporting-chain")).json()
    )
    assert chain.employee_id == employee["id"]
    assert [link.level for link in chain.reporting_chain] == list(range(1, len(chain.reporting_chain) + 1))
    if employee["manager_id"]:
        assert chain.reporting_chain[0].employee_id == employee["manager_id"]


async def test_departments_list_with_heads_and_counts(mock_hrms_client):
    body = (await mock_hrms_client.get("/api/v1/departments")).json()
    assert body["total"] == len(body["data"]) > 1
    assert sum(d["employee_count"] for d in body["data"]) > 0


async def test_reporting_chain_and_balance_of_an_unknown_employee_are_404(mock_hrms_client):
    assert_error(await mock_hrms_client.get("/api/v1/employees/NOPE/reporting-chain"), 404)
    assert_error(await mock_hrms_client.get("/api/v1/employees/NOPE/leave-balance"), 404)


async def test_a_submitted_leave_request_is_pending_and_counts_as_pending_balance(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    start = next_monday(120)
    request = {"employee_id": employee["id"], "leave_type": "unpaid", "start_date": start.isoformat(),
               "end_date": (start + dt.timedelta(days=4)).isoformat(), "reason": "Family vacation"}  # fmt: skip
    response = await mock_hrms_client.post("/api/v1/leave-requests", json=request)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert set(response.json()) == {"id", "leave_request_id", "status", "message"}
    listed = await mock_hrms_client.get(
        "/api/v1/leave-requests", params={"employee_id": employee["id"], "status": "pending", "leave_type": "unpaid"}
    )
    assert response.json()["id"] in {r["id"] for r in listed.json()["data"]}


async def leave(client: httpx.AsyncClient, employee_id: str, leave_type: str, start: dt.date, days: int):
    body = {"employee_id": employee_id, "leave_type": leave_type, "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=days)).isoformat()}  # fmt: skip
    return await client.post("/api/v1/leave-requests", json=body)


async def test_overlapping_leave_is_409(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    start = next_monday(130)
    assert (await leave(mock_hrms_client, employee["id"], "unpaid", start, 1)).status_code == 201
    assert_error(await leave(mock_hrms_client, employee["id"], "unpaid", start, 1), 409, "overlapping_leave")


async def test_leave_beyond_the_balance_is_422(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    response = await leave(mock_hrms_client, employee["id"], "casual", next_monday(140), 40)
    assert_error(response, 422, "insufficient_balance")


async def test_leave_ending_before_it_starts_is_422(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    assert_error(await leave(mock_hrms_client, employee["id"], "unpaid", next_monday(150), -3), 422, "end_before_start")


async def test_leave_for_an_unknown_employee_is_404(mock_hrms_client):
    assert_error(await leave(mock_hrms_client, "EMP999999", "unpaid", next_monday(150), 1), 404)


async def test_one_employees_balance_has_every_leave_type(mock_hrms_client):
    employee = await first(mock_hrms_client, "/api/v1/employees")
    balance = LeaveBalance.model_validate(
        (await mock_hrms_client.get(f"/api/v1/employees/{employee['id']}/leave-balance")).json()
    )
    assert {entry.leave_type for entry in balance.leave_balances} >= {"annual", "sick"}


async def all_balances(client: httpx.AsyncClient, **params) -> list[dict]:
    records, cursor = [], None
    while True:
        body = (
            await client.get("/api/v1/leave-balances", params={**params, **({"cursor": cursor} if cursor else {})})
        ).json()
        records += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return records


async def test_leave_balances_list_every_employee_once(mock_hrms_client):
    balances = await all_balances(mock_hrms_client, page_size=40)
    assert len(balances) == len({b["employee_id"] for b in balances}) == 150


async def test_leave_balances_updated_since_returns_exactly_the_balances_a_new_request_changed(mock_hrms_client):
    await all_balances(mock_hrms_client, page_size=1000)  # the index exists before the change, as in a sync
    employee = await first(mock_hrms_client, "/api/v1/employees", employment_status="active")
    since = dt.datetime.now(dt.UTC)
    assert (await leave(mock_hrms_client, employee["id"], "unpaid", next_monday(160), 2)).status_code == 201
    changed = await all_balances(mock_hrms_client, updated_since=since.isoformat())
    assert [b["employee_id"] for b in changed] == [employee["id"]]
    assert dt.datetime.fromisoformat(changed[0]["updated_at"]) >= since


async def test_a_deleted_employee_is_a_balance_tombstone(mock_hrms_client, mock_hrms_control):
    employee = await first(mock_hrms_client, "/api/v1/employees")
    await all_balances(mock_hrms_client, page_size=1000)
    assert (await mock_hrms_control.delete(f"/_control/employees/{employee['id']}")).status_code == 200
    everything = await all_balances(mock_hrms_client, page_size=1000, include_deleted=True)
    assert {"id": employee["id"], "deleted": True}.items() <= next(b for b in everything if b.get("deleted")).items()
    live = await all_balances(mock_hrms_client, page_size=1000)
    assert employee["id"] not in {b["employee_id"] for b in live}
