"""Cross-vendor equivalence: one generated world, synced through the `mock` adapter from the canonical mock and
through the `bamboohr` adapter from the BambooHR simulator, gives the same replica for every field BambooHR
carries. NOT_CARRIED lists every canonical field left out of the comparison, and why.

BambooHR's ids are its own ("42" for the canonical "EMP00042"), so canonical ids are translated with the
simulator's id rule before rows are compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async

from harvey.replica.registry import replica_model, row_to_canonical
from integrations.hrms.adapters.bamboohr import BambooHRAdapter
from integrations.hrms.adapters.mock import MockAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState
from integrations.hrms.sync.pull import pull_organization
from mock_hrms.api import create_app
from mock_hrms.api.settings import MockSettings
from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app
from mock_hrms.vendors.bamboohr.ids import to_bamboo
from mock_hrms.world import generate_world

from .conftest import FAST, HOST, KEY, SEED, SIZE

MOCK_TOKEN = "mock-hrms-token-12345"

NOT_CARRIED: dict[str, dict[str, str]] = {
    "employees": {
        "skills": "BambooHR has no skills field in its employee API",
        "certifications": "BambooHR keeps certifications in company-defined custom tables, not a standard field",
        "performance_rating": "performance lives in BambooHR Performance, outside the employee API",
        "salary_band": "BambooHR carries a pay rate (compensation table), not a band",
        "employment_status": "BambooHR knows only Active/Inactive: on_leave and probation are read as active "
        "(compared with that folding applied)",
        "department_id": "BambooHR list-option ids (dept-N), not the canonical ids: compared through the name",
        "id": "BambooHR's own ids: compared after translating canonical ids",
    },
    "departments": {
        "id": "BambooHR list-option ids; departments are matched by name",
        "department_id": "as id",
        "location": "BambooHR departments have no location (their members' locations vary)",
        "parent_id": "BambooHR adds a division level above departments that the canonical world does not have",
        "updated_at": "BambooHR lists have no modification time",
    },
    "job_requisitions": {
        "requisition_id": "BambooHR jobs have no requisition number (the job id is used)",
        "headcount": "not in the ATS jobs API",
        "filled_positions": "not in the ATS jobs API",
        "job_type": "not in the ATS jobs API",
        "target_hire_date": "not in the ATS jobs API",
        "description": "not in the ATS jobs list",
        "requirements": "not in the ATS jobs API",
        "nice_to_have": "not in the ATS jobs API",
        "salary_range": "not in the ATS jobs API",
        "updated_at": "ATS records carry no modification time",
    },
    "candidates": {
        "current_stage": "BambooHR's status replaces the stage for candidates on hold or withdrawn "
        "(compared for every other candidate)",
        "resume_url": "BambooHR gives a resume file id behind its file API, not a URL",
        "skills": "not in the ATS API",
        "experience_years": "not in the ATS API",
        "current_company": "not in the ATS API",
        "current_title": "not in the ATS API",
        "education": "free text in BambooHR, not structured",
        "interview_history": "BambooHR has no interview API",
        "updated_at": "ATS records carry no modification time",
    },
    "interviews": {"*": "BambooHR has no interview API; Harvey keeps interviews for BambooHR organizations itself"},
    "leave_requests": {"updated_at": "BambooHR gives the status change as a date, without a time"},
    "leave_balances": {
        "pending": "the calculator has no pending amount",
        "total_allocated": "derived as balance + used, which differs while requests are pending",
        "updated_at": "the calculator is an estimate as of the call",
    },
}
FOLDED_STATUSES = {"on_leave": "active", "probation": "active"}


def same_world_two_protocols():
    world = generate_world(seed=SEED, employees=SIZE)
    canonical = create_app(MockSettings(seed=SEED, employees=SIZE, token=MOCK_TOKEN), world=world)
    bamboo = create_bamboohr_app(BambooSettings(seed=SEED, employees=SIZE), world=world)
    return world, canonical, bamboo


def replica(organization_id: int, entity: str) -> list[Any]:
    return [
        row_to_canonical(entity, row) for row in replica_model(entity).objects.filter(organization_id=organization_id)
    ]


def compared(record: Any, entity: str, translate: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    values = record.model_dump(mode="json")
    for name, convert in translate.items():
        if values.get(name) is not None:
            values[name] = convert(values[name])
    return {k: v for k, v in values.items() if k not in NOT_CARRIED[entity]}


@pytest.fixture
async def synced(make_integration):
    from harvey.organizations.models import Organization

    world, canonical_app, bamboo_app = same_world_two_protocols()
    canon_org = await Organization.objects.acreate(name="Canonical", slug="canonical")
    bamboo_org = await Organization.objects.acreate(name="Bamboo", slug="bamboo")
    await sync_to_async(make_integration)(canon_org, hrms_type="mock", credentials={"token": MOCK_TOKEN})
    await sync_to_async(make_integration)(
        bamboo_org, hrms_type="bamboohr", base_url=HOST, credentials={"api_key": KEY, "company_domain": "acme"}
    )
    mock_adapter = MockAdapter(
        AdapterConfig(base_url="http://mock.test", credentials={"token": MOCK_TOKEN}, integration_key="canon"),
        transport=httpx.ASGITransport(app=canonical_app), state=MemoryTransportState(), policy=FAST,
    )  # fmt: skip
    bamboo_adapter = BambooHRAdapter(
        AdapterConfig(base_url=HOST, credentials={"api_key": KEY, "company_domain": "acme"}, integration_key="bamboo"),
        transport=httpx.ASGITransport(app=bamboo_app), state=MemoryTransportState(), policy=FAST,
    )  # fmt: skip
    async with mock_adapter, bamboo_adapter:
        await pull_organization(canon_org, adapter=mock_adapter)
        report = await pull_organization(bamboo_org, adapter=bamboo_adapter)
    return world, canon_org.pk, bamboo_org.pk, report


async def rows(organization_id: int, entity: str) -> list[Any]:
    return await sync_to_async(replica)(organization_id, entity)


pytestmark = pytest.mark.django_db(transaction=True)


async def test_employees_are_the_same_for_every_field_bamboohr_carries(synced):
    _, canon, bamboo, _ = synced
    expected = {}
    for e in await rows(canon, "employees"):
        values = compared(e, "employees", {"manager_id": to_bamboo, "updated_at": _to_second})
        values["status"] = FOLDED_STATUSES.get(e.employment_status, e.employment_status)
        expected[to_bamboo(e.id)] = values
    got = {}
    for e in await rows(bamboo, "employees"):
        values = compared(e, "employees", {"updated_at": _to_second})
        values["status"] = e.employment_status
        got[e.id] = values
    assert got == expected


async def test_employees_point_at_a_department_of_the_same_name(synced):
    _, _, bamboo, _ = synced
    departments = {d.id: d.name for d in await rows(bamboo, "departments")}
    employees = await rows(bamboo, "employees")
    assert all(departments[e.department_id] == e.department for e in employees if e.department)


async def test_departments_are_the_same_by_name(synced):
    _, canon, bamboo, _ = synced
    translate = {"head_id": to_bamboo}
    expected = {d.name: compared(d, "departments", translate) for d in await rows(canon, "departments")}
    got = {
        d.name: compared(d, "departments", {}) for d in await rows(bamboo, "departments") if d.id.startswith("dept-")
    }
    assert got == expected


async def test_requisitions_are_the_same(synced):
    _, canon, bamboo, _ = synced
    expected = {to_bamboo(j.id): compared(j, "job_requisitions", {"id": to_bamboo, "hiring_manager_id": to_bamboo})
                for j in await rows(canon, "job_requisitions")}  # fmt: skip
    got = {j.id: compared(j, "job_requisitions", {}) for j in await rows(bamboo, "job_requisitions")}
    assert got == expected


async def test_candidates_are_the_same(synced):
    _, canon, bamboo, _ = synced
    translate = {"id": to_bamboo, "candidate_id": to_bamboo, "applied_for_job_id": to_bamboo}
    expected = {}
    for cand in await rows(canon, "candidates"):
        values = compared(cand, "candidates", translate)
        if cand.status not in ("on_hold", "withdrawn"):
            values["stage"] = cand.current_stage
        expected[to_bamboo(cand.id)] = values
    got = {}
    for cand in await rows(bamboo, "candidates"):
        values = compared(cand, "candidates", {})
        if cand.status not in ("on_hold", "withdrawn"):
            values["stage"] = cand.current_stage
        got[cand.id] = values
    assert got == expected


async def test_leave_requests_are_the_same(synced):
    _, canon, bamboo, _ = synced
    translate = {"id": to_bamboo, "leave_request_id": to_bamboo, "employee_id": to_bamboo}
    expected = {to_bamboo(r.id): compared(r, "leave_requests", translate) for r in await rows(canon, "leave_requests")}
    got = {r.id: compared(r, "leave_requests", {}) for r in await rows(bamboo, "leave_requests")}
    assert got == expected


async def test_leave_balances_are_the_same_for_current_employees(synced):
    _, canon, bamboo, _ = synced

    def balances(organization_id: int, translate: Callable[[str], str]) -> dict[tuple, tuple]:
        model = replica_model("leave_balances")
        return {
            (translate(b.employee_id), b.year, b.leave_type): (b.available, b.used)
            for b in model.objects.filter(organization_id=organization_id)
        }

    terminated = {e.id for e in await rows(bamboo, "employees") if e.employment_status == "terminated"}
    expected = await sync_to_async(balances)(canon, to_bamboo)
    expected = {k: v for k, v in expected.items() if k[0] not in terminated}
    assert await sync_to_async(balances)(bamboo, str) == expected


async def test_interviews_are_skipped_and_say_why(synced):
    *_, report = synced
    assert "interviews" in report.entity("interviews").skipped
    assert report.entity("interviews").fetched == 0


def test_every_field_left_out_is_a_canonical_field_and_has_a_reason():
    from hrmodel import canonical as c
    from hrmodel import catalogue

    models = {**{each.name: each.detail for each in catalogue.ENTITIES}, "leave_balances": c.LeaveBalanceEntry}
    for entity, fields in NOT_CARRIED.items():
        known = set(models[entity].model_fields) | {"updated_at", "*"}
        assert set(fields) <= known, entity
        assert all(reason.strip() for reason in fields.values())


def _to_second(value: str) -> str:
    return dt.datetime.fromisoformat(value).replace(microsecond=0).astimezone(dt.UTC).isoformat()
