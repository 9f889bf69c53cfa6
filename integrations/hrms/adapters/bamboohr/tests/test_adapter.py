"""The adapter against the BambooHR simulator in-process (ASGI): every method, both URL forms, error paths."""

from __future__ import annotations

import datetime as dt

import pytest

from hrmodel import canonical as c
from integrations.hrms import errors
from integrations.hrms.http import TransportPolicy

from .conftest import FAST, HOST, KEY, control, make_adapter

NO_RETRY = TransportPolicy(max_retries=0, rate_per_second=10_000, burst=10_000, breaker_threshold=50)


def world(sim):
    return sim.state.world


async def test_employees_are_read_completely_including_terminated_ones(sim, adapter):
    employees = await adapter.collect("employees")
    assert len(employees) == len(world(sim).tables["employees"])
    assert any(e.employment_status == "terminated" for e in employees)


async def test_a_full_employee_read_costs_three_requests_whatever_the_company_size(adapter, requests_made):
    await adapter.collect("employees", page_size=20)
    assert sorted(requests_made.paths()) == [
        "/api/v1/employees/all/tables/employmentStatus", "/api/v1/meta/lists", "/api/v1/reports/custom",
    ]  # fmt: skip


async def test_employee_pages_resume_after_their_cursor(adapter):
    pages = [page async for page in adapter.iter_employees(page_size=40)]
    resumed = [page async for page in adapter.iter_employees(page_size=40, cursor=pages[0].cursor)]
    assert [r.id for p in resumed for r in p.records] == [r.id for p in pages[1:] for r in p.records]
    assert pages[-1].cursor is None


async def test_get_employee_returns_the_detail_shape(adapter):
    employee = await adapter.get_employee("5")
    assert isinstance(employee, c.EmployeeDetail)
    assert employee.employee_id == "EMP00005"


async def test_an_unknown_employee_is_not_found(adapter):
    with pytest.raises(errors.NotFound):
        await adapter.get_employee("99999")


async def test_the_reporting_chain_walks_supervisors_to_the_top(sim, adapter):
    employees = world(sim).tables["employees"]
    expected, manager = [], employees.get("EMP00040")["manager_id"]
    while manager:
        expected.append(manager.removeprefix("EMP").lstrip("0"))
        manager = employees.get(manager)["manager_id"]
    chain = await adapter.get_reporting_chain("40")
    assert [link.employee_id for link in chain.reporting_chain] == expected
    assert [link.level for link in chain.reporting_chain] == list(range(1, len(expected) + 1))


async def test_departments_and_divisions_are_org_units(sim, adapter):
    departments = await adapter.collect("departments")
    names = {d.name for d in departments}
    assert {d["name"] for d in world(sim).tables["departments"].values()} <= names
    assert any(d.id.startswith("div-") for d in departments)


async def test_leave_balance_comes_from_the_calculator(sim, adapter):
    balance = await adapter.get_leave_balance("5")
    expected = world(sim).leave_balance("EMP00005", balance.year)
    assert {e.leave_type: e.available for e in balance.leave_balances} == {
        e["leave_type"]: e["available"] for e in expected["leave_balances"]
    }


async def test_leave_requests_are_read_in_windows_and_filtered_by_status(adapter, requests_made):
    approved = await adapter.collect("leave_requests", status="approved")
    assert approved
    assert all(r.status == "approved" for r in approved)
    assert all(p == "/api/v1/time_off/requests" for p in requests_made.paths())


async def test_leave_requests_of_one_employee(adapter):
    requests = await adapter.collect("leave_requests", employee_id="5")
    assert requests
    assert {r.employee_id for r in requests} == {"5"}


async def test_a_leave_request_is_written_through_put_time_off_request(sim, adapter, requests_made):
    data = c.LeaveRequestCreate(
        employee_id="6", leave_type="casual", start_date=dt.date(2027, 4, 5), end_date=dt.date(2027, 4, 5)
    )
    created = await adapter.create_leave_request(data, idempotency_key="k1")
    assert created.status == "pending"
    assert ("PUT", "/api/v1/employees/6/time_off/request") in [(r.method, r.url.path) for r in requests_made.requests]
    assert any(r["id"].endswith(created.id.zfill(5)) for r in world(sim).tables["leave_requests"].values())


async def test_an_overlapping_leave_request_is_a_conflict(adapter):
    data = c.LeaveRequestCreate(
        employee_id="6", leave_type="casual", start_date=dt.date(2027, 4, 6), end_date=dt.date(2027, 4, 6)
    )
    await adapter.create_leave_request(data)
    with pytest.raises(errors.Conflict):
        await adapter.create_leave_request(data)


async def test_requisitions_come_from_ats_jobs(sim, adapter):
    jobs = await adapter.collect("job_requisitions")
    assert len(jobs) == len(world(sim).tables["job_requisitions"])
    one = await adapter.get_job_requisition(jobs[0].id)
    assert one == jobs[0]


async def test_an_unknown_requisition_is_not_found(adapter):
    with pytest.raises(errors.NotFound):
        await adapter.get_job_requisition("9999")


async def test_candidates_are_read_over_every_application_page(sim, adapter):
    pages = [page async for page in adapter.iter_candidates()]
    assert len(pages) > 1  # the simulator pages applications by 20
    assert sum(len(p.records) for p in pages) == len(world(sim).tables["candidates"])
    assert all(r.phone for p in pages for r in p.records)  # from the application detail


async def test_candidates_resume_at_their_page_cursor(adapter):
    first = await adapter.iter_candidates().__anext__()
    resumed = await adapter.iter_candidates(cursor=first.cursor).__anext__()
    assert {r.id for r in resumed.records}.isdisjoint({r.id for r in first.records})


async def test_a_candidate_is_created_as_an_application(adapter):
    data = c.CandidateCreate(first_name="Ada", last_name="Lovelace", email="ada@example.com", applied_for_job_id="1")
    created = await adapter.create_candidate(data)
    candidate = await adapter.get_candidate(created.id)
    assert (candidate.first_name, candidate.applied_for_job_id, candidate.current_stage) == ("Ada", "1", "applied")


async def test_interviews_are_declared_unsupported_and_say_harvey_keeps_them(adapter):
    assert "interviews" not in adapter.capabilities.entities
    assert not adapter.capabilities.can_write("schedule_interview")
    with pytest.raises(errors.UnsupportedOperation, match="Harvey keeps interviews"):
        adapter.iter_interviews()
    with pytest.raises(errors.UnsupportedOperation, match="Harvey keeps interviews"):
        await adapter.schedule_interview(None)
    with pytest.raises(errors.UnsupportedOperation):
        await adapter.update_interview("1", None)


def test_capabilities_are_honest():
    from integrations.hrms.adapters.bamboohr import BambooHRAdapter

    caps = BambooHRAdapter.provider.capabilities
    assert caps.incremental == {"employees"}
    assert caps.deletions == {"employees"}
    assert caps.writes == {"create_candidate", "create_leave_request"}
    assert caps.webhooks
    assert not caps.bulk_leave_balances
    assert not caps.email_lookup


async def test_the_legacy_gateway_url_form_reaches_the_same_company(sim):
    adapter, requests = make_adapter(
        sim,
        base_url="http://bamboo.test",
        credentials={"api_key": KEY, "company_domain": "acme", "url_form": "gateway"},
    )
    async with adapter:
        employee = await adapter.get_employee("5")
    assert employee.id == "5"
    assert requests.paths()[0] == "/api/gateway.php/acme/v1/employees/5"


async def test_requests_use_basic_auth_with_the_key_and_ask_for_json(adapter, requests_made):
    await adapter.get_employee("5")
    request = requests_made.requests[0]
    assert request.headers["accept"] == "application/json"
    assert request.headers["authorization"].startswith("Basic ")


async def test_a_wrong_key_is_authentication_failed(sim):
    adapter, _ = make_adapter(sim, credentials={"api_key": "wrong", "company_domain": "acme"})
    async with adapter:
        with pytest.raises(errors.AuthenticationFailed):
            await adapter.get_employee("5")


async def test_a_wrong_company_is_not_found(sim):
    adapter, _ = make_adapter(
        sim,
        base_url="http://bamboo.test",
        credentials={"api_key": KEY, "company_domain": "other", "url_form": "gateway"},
    )
    async with adapter:
        with pytest.raises(errors.NotFound):
            await adapter.get_employee("5")


async def _throttle(app) -> None:
    rule = {"path": "/api/", "rate_limit": {"every_nth": 1, "retry_after_seconds": 7}}
    await control(app, "PUT", "/_control/faults", json={"rules": [rule]})


async def test_throttling_429_is_rate_limited_with_retry_after(sim):
    await _throttle(sim)
    adapter, _ = make_adapter(sim, policy=NO_RETRY)
    async with adapter:
        with pytest.raises(errors.RateLimited) as caught:
            await adapter.get_employee("5")
    assert caught.value.retry_after == 7


async def test_a_transient_429_is_retried_until_it_succeeds(sim):
    rule = {"path": "/api/", "rate_limit": {"every_nth": 2, "retry_after_seconds": 0}}
    await control(sim, "PUT", "/_control/faults", json={"rules": [rule]})
    adapter, requests = make_adapter(sim, policy=FAST)
    async with adapter:
        found = [(await adapter.get_employee("5")).id, (await adapter.get_employee("6")).id]
    assert found == ["5", "6"]
    distinct = {r.url.path for r in requests.requests}
    assert len(requests.requests) > len(distinct)  # every second request was refused, then retried


@pytest.mark.parametrize(("legacy", "error"), [(True, errors.RateLimited), (False, errors.Unavailable)])
async def test_a_503_is_throttling_only_in_the_legacy_mode(sim_settings, legacy, error):
    from mock_hrms.vendors.bamboohr import create_bamboohr_app

    app = create_bamboohr_app(sim_settings.model_copy(update={"throttle_mode": "503"}))
    await _throttle(app)
    credentials = {"api_key": KEY, "company_domain": "acme", "legacy_503_throttling": legacy}
    adapter, _ = make_adapter(app, credentials=credentials, policy=NO_RETRY)
    async with adapter:
        with pytest.raises(error):
            await adapter.get_employee("5")


def test_the_default_base_url_is_the_company_host():
    from integrations.hrms.adapters.bamboohr.config import BambooHRConfig

    assert BambooHRConfig(company_domain="acme", api_key="k").api_root() == "https://acme.bamboohr.com/api/v1/"
    assert HOST.startswith("http://acme.")
