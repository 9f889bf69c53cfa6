"""The mock adapter against the mock HRMS, in-process (ASGI): every method, every error path."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hrmodel import canonical as c
from integrations.hrms import errors
from integrations.hrms.adapters.mock import MockAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from mock_hrms.api import create_app
from mock_hrms.api.settings import MockSettings

TOKEN = "mock-hrms-token-12345"
BASE = "http://mock-hrms.test"
FAST = TransportPolicy(
    max_retries=6, backoff_base=0.001, backoff_cap=0.01, rate_per_second=10_000, burst=10_000, breaker_threshold=50
)


def live_ids(table) -> set[str]:
    return set(table.ids())


def world_of(app):
    return app.state.world


@pytest.fixture
def app():
    return create_app(MockSettings(seed=7, employees=150))


def make_adapter(app, token: str = TOKEN, policy: TransportPolicy = FAST) -> MockAdapter:
    return MockAdapter(
        AdapterConfig(base_url=BASE, credentials={"token": token}, integration_key="test"),
        transport=httpx.ASGITransport(app=app),
        state=MemoryTransportState(),
        policy=policy,
    )


@pytest.fixture
async def adapter(app):
    async with make_adapter(app) as adapter:
        yield adapter


async def control(app, method: str, path: str, **kw):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.request(method, path, headers={"Authorization": "Bearer mock-hrms-control-12345"}, **kw)
        response.raise_for_status()
        return response.json() if response.content else None


@pytest.mark.parametrize(
    "entity", ["departments", "employees", "job_requisitions", "candidates", "interviews", "leave_requests"]
)
async def test_every_entity_is_read_completely(app, adapter, entity):
    records = await adapter.collect(entity, page_size=37)
    assert len(records) == len(world_of(app).tables[entity])
    assert {r.id for r in records} == live_ids(world_of(app).tables[entity])


async def test_employees_come_in_the_detail_shape(adapter):
    employees = await adapter.collect("employees")
    assert any(e.skills for e in employees)
    assert all(isinstance(e, c.EmployeeDetail) for e in employees)


async def test_requisitions_include_every_status_for_a_sync(app, adapter):
    requisitions = await adapter.collect("job_requisitions")
    assert len(requisitions) == len(world_of(app).tables["job_requisitions"])
    assert all(r.description for r in requisitions)


async def test_leave_balances_in_bulk_match_the_per_employee_answer(adapter):
    balances = await adapter.collect("leave_balances")
    one = await adapter.get_leave_balance(balances[0].employee_id, balances[0].year)
    assert one.leave_balances == balances[0].leave_balances


async def test_single_reads(app, adapter):
    world = world_of(app)
    employee_id = next(r["id"] for r in world.tables["employees"].page(page=1, page_size=5).items)
    employee = await adapter.get_employee(employee_id)
    assert employee.id == employee_id
    chain = await adapter.get_reporting_chain(employee_id)
    assert chain.employee_id == employee_id
    job_id = next(r["id"] for r in world.tables["job_requisitions"].page(page=1, page_size=1).items)
    assert (await adapter.get_job_requisition(job_id)).id == job_id
    candidate_id = next(r["id"] for r in world.tables["candidates"].page(page=1, page_size=1).items)
    assert (await adapter.get_candidate(candidate_id)).id == candidate_id
    assert (await adapter.test_connection()).ok


async def test_find_employee_by_email_is_one_filtered_call(app, adapter):
    employee = next(r for r in world_of(app).tables["employees"].page(page=1, page_size=3).items)
    found = await adapter.find_employee_by_email(employee["email"].upper())
    assert found is not None
    assert found.id == employee["id"]
    assert await adapter.find_employee_by_email("nobody@nowhere.example") is None


async def test_updated_since_returns_only_what_changed(app, adapter):
    world = world_of(app)
    since = world.clock()
    changed = await control(app, "POST", "/_control/simulate", json={"count": 5, "seed": 3})
    records = await adapter.collect("employees", updated_since=since)
    expected = {r["id"] for r in world.tables["employees"].page(page_size=1000, updated_since=since).items}
    assert {r.id for r in records} == expected
    assert changed is not None


async def test_deleted_records_arrive_as_tombstones(app, adapter):
    world = world_of(app)
    victim = next(r["id"] for r in world.tables["candidates"].page(page=1, page_size=1).items)
    await control(app, "DELETE", f"/_control/candidates/{victim}")
    tombstones = [
        t for page in [p async for p in adapter.iter_candidates(include_deleted=True)] for t in page.tombstones
    ]
    assert [t.id for t in tombstones] == [victim]


async def test_a_record_that_does_not_fit_is_reported_with_payload_and_reason(app, adapter):
    table = world_of(app).tables["employees"]
    record = dict(next(iter(table.page(page=1, page_size=1).items)))
    record["email"] = "not-an-email"
    table.put(record)
    pages = [p async for p in adapter.iter_employees()]
    invalid = [e for p in pages for e in p.invalid]
    assert len(invalid) == 1
    assert invalid[0].external_id == record["id"]
    assert "email" in invalid[0].reason
    assert invalid[0].payload["email"] == "not-an-email"
    assert sum(len(p.records) for p in pages) == len(table) - 1
    with pytest.raises(errors.InvalidRecord):
        await adapter.get_employee(record["id"])


async def test_writes_reach_the_hrms_and_come_back_canonical(app, adapter):
    world = world_of(app)
    job = next(r for r in world.tables["job_requisitions"].page(page_size=1000).items if r["status"] == "open")
    created = await adapter.create_candidate(
        c.CandidateCreate(
            first_name="Meera", last_name="Iyer", email="meera.iyer@example.com", applied_for_job_id=job["id"]
        ),
        idempotency_key="k-1",
    )
    assert world.tables["candidates"].get(created.id)["email"] == "meera.iyer@example.com"
    again = await adapter.create_candidate(
        c.CandidateCreate(
            first_name="Meera", last_name="Iyer", email="meera.iyer@example.com", applied_for_job_id=job["id"]
        ),
        idempotency_key="k-1",
    )
    assert again.id == created.id  # replayed, not applied twice


async def test_wrong_token_is_authentication_failed(app):
    async with make_adapter(app, token="wrong") as adapter:
        with pytest.raises(errors.AuthenticationFailed):
            await adapter.get_employee("EMP001")
        assert not (await adapter.test_connection()).ok


async def test_unknown_id_is_not_found(adapter):
    with pytest.raises(errors.NotFound):
        await adapter.get_candidate("CAND-NOPE")


async def test_hrms_rule_violations_are_typed(app, adapter):
    world = world_of(app)
    employee = next(
        r for r in world.tables["employees"].page(page_size=1000).items if r["employment_status"] == "active"
    )
    with pytest.raises(errors.ValidationRejected):  # 422: end before start
        await adapter.create_leave_request(
            c.LeaveRequestCreate(
                employee_id=employee["id"],
                leave_type="annual",
                start_date=dt.date(2026, 12, 10),
                end_date=dt.date(2026, 12, 1),
            )
        )
    interview = next(r for r in world.tables["interviews"].page(page_size=1000).items if r["status"] == "completed")
    with pytest.raises(errors.Conflict):  # 409: completed is final
        await adapter.update_interview(interview["id"], c.InterviewUpdate(status="scheduled"))


async def test_transient_errors_are_retried_until_success(app, adapter):
    await control(app, "PUT", "/_control/faults", json={"seed": 1, "rules": [{"path": "/api/", "error_rate": 0.3}]})
    records = await adapter.collect("employees", page_size=20)
    assert len(records) == len(world_of(app).tables["employees"])


async def test_429_is_honoured_and_retried(app, adapter):
    rule = {"path": "/api/", "rate_limit": {"every_nth": 2, "retry_after_seconds": 0}}
    await control(app, "PUT", "/_control/faults", json={"rules": [rule]})
    records = await adapter.collect("departments", page_size=3)
    assert len(records) == len(world_of(app).tables["departments"])


async def test_persistent_5xx_ends_as_unavailable(app):
    await control(
        app, "PUT", "/_control/faults", json={"rules": [{"path": "/api/", "error_rate": 1.0, "error_status": 500}]}
    )
    async with make_adapter(
        app, policy=TransportPolicy(max_retries=2, backoff_base=0.001, backoff_cap=0.01)
    ) as adapter:
        with pytest.raises(errors.Unavailable):
            await adapter.get_employee("EMP001")


async def test_expired_token_fails_fast_as_token_expired(app, adapter):
    await control(app, "PUT", "/_control/faults", json={"token_expiry": {"after_requests": 0}})
    with pytest.raises(errors.TokenExpired):
        await adapter.collect("employees")
