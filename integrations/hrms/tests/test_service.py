"""HRMSIntegrationService (Pattern A): read-through cache per organization, invalidated by writes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from asgiref.sync import sync_to_async

from hrmodel import canonical as c
from integrations.hrms.adapters.mock import MockAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from integrations.hrms.service import HRMSIntegrationService, NoActiveIntegration
from mock_hrms.api import create_app
from mock_hrms.api.settings import MockSettings

pytestmark = pytest.mark.django_db(transaction=True)
FAST = TransportPolicy(rate_per_second=10_000, burst=10_000, backoff_base=0.001, backoff_cap=0.01)


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the app and remembers their paths: "no HTTP call" must be observable."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


class Tenant:
    """An organization connected to its own mock HRMS world."""

    def __init__(self, slug: str, seed: int) -> None:
        self.slug, self.seed = slug, seed
        self.app = create_app(MockSettings(seed=seed, employees=60))
        self.transport = CountingTransport(self.app)
        self.organization = None

    @property
    def world(self):
        return self.app.state.world

    def first(self, entity: str, **match) -> dict:
        return next(
            r
            for r in self.world.tables[entity].page(page_size=1000).items
            if all(r.get(k) == v for k, v in match.items())
        )

    def service(self) -> HRMSIntegrationService:
        adapter = MockAdapter(
            AdapterConfig("http://mock.test", {"token": "mock-hrms-token-12345"}, integration_key=self.slug),
            transport=self.transport,
            state=MemoryTransportState(),
            policy=FAST,
        )
        return HRMSIntegrationService(self.organization, adapter=adapter)


@sync_to_async
def connect(tenant: Tenant, **fields) -> None:
    from harvey.organizations.models import HRMSIntegration, Organization

    tenant.organization = Organization.objects.create(name=tenant.slug.title(), slug=tenant.slug)
    HRMSIntegration.objects.create(
        organization=tenant.organization,
        hrms_type="mock",
        base_url="http://127.0.0.1:9",
        allow_private_network=True,
        credentials={"token": "mock-hrms-token-12345"},
        **fields,
    )


@pytest.fixture
async def acme() -> Tenant:
    tenant = Tenant("acme", seed=1)
    await connect(tenant)
    return tenant


@pytest.fixture
async def globex() -> Tenant:
    tenant = Tenant("globex", seed=2)
    await connect(tenant)
    return tenant


async def test_a_second_read_within_the_ttl_makes_no_http_call(acme):
    employee_id = acme.first("employees")["id"]
    async with acme.service() as service:
        first = await service.get_employee(employee_id)
        calls = len(acme.transport.paths)
        second = await service.get_employee(employee_id)
    assert second == first
    assert len(acme.transport.paths) == calls


async def test_after_the_ttl_the_hrms_is_asked_again(acme):
    employee_id = acme.first("employees")["id"]
    async with acme.service() as service:
        service._cache.ttl = 1  # the configured floor is 15 minutes; the mechanism is what is tested
        await service.get_employee(employee_id)
        calls = len(acme.transport.paths)
        await asyncio.sleep(1.2)
        await service.get_employee(employee_id)
    assert len(acme.transport.paths) == calls + 1


async def test_a_write_invalidates_what_it_touches(acme):
    job = acme.first("job_requisitions", status="open")
    async with acme.service() as service:
        before = await service.list_candidates(job_id=job["id"])
        await service.create_candidate(
            c.CandidateCreate(
                first_name="Kavya", last_name="Rao", email="kavya.rao@example.com", applied_for_job_id=job["id"]
            )
        )
        calls = len(acme.transport.paths)
        after = await service.list_candidates(job_id=job["id"])
    assert len(after) == len(before) + 1
    assert len(acme.transport.paths) == calls + 1


async def test_leave_balance_reflects_a_new_request_at_once(acme):
    employee = acme.first("employees", employment_status="active")
    async with acme.service() as service:
        requests = await service.list_leave_requests(employee_id=employee["id"])
        taken = {(r.start_date, r.end_date) for r in requests if r.status in ("pending", "approved")}
        start, end = _free_weekday_range(taken)
        before = await service.get_leave_balance(employee["id"], start.year)
        annual = next(b for b in before.leave_balances if b.leave_type == "annual")
        await service.create_leave_request(
            c.LeaveRequestCreate(employee_id=employee["id"], leave_type="annual", start_date=start, end_date=end)
        )
        after = await service.get_leave_balance(employee["id"], start.year)
    assert next(b for b in after.leave_balances if b.leave_type == "annual").pending == annual.pending + 2


def _free_weekday_range(taken):
    import datetime as dt

    day = dt.date.today() + dt.timedelta(days=200)
    while day.weekday() != 0 or any(s <= day <= e for s, e in taken):
        day += dt.timedelta(days=1)
    return day, day + dt.timedelta(days=1)


async def test_organizations_never_see_each_others_cached_answers(acme, globex):
    acme_employee = acme.first("employees")
    globex_employee = globex.first("employees", id=acme_employee["id"])
    assert acme_employee["email"] != globex_employee["email"]  # same id, different people
    async with acme.service() as a, globex.service() as g:
        assert (await a.get_employee(acme_employee["id"])).email == acme_employee["email"]
        assert (await g.get_employee(acme_employee["id"])).email == globex_employee["email"]
        assert (await a.get_employee(acme_employee["id"])).email == acme_employee["email"]


async def test_organizations_never_see_each_others_replica_rows(acme, globex):

    person = acme.first("employees")
    await _store_in_replica(acme, person)
    async with globex.service() as service:
        await service.get_employee_by_email(person["email"])
    # Globex's replica did not answer with Acme's row: the lookup had to ask Globex's own HRMS.
    assert any(path.endswith("/employees") for path in globex.transport.paths)


async def test_email_lookup_is_answered_from_the_replica_without_http(acme):

    person = acme.first("employees")
    await _store_in_replica(acme, person)
    async with acme.service() as service:
        found = await service.get_employee_by_email(person["email"].upper())
    assert found is not None
    assert found.id == person["id"]
    assert acme.transport.paths == []


async def test_email_lookup_falls_back_to_one_filtered_hrms_call(acme):
    person = acme.first("employees")
    async with acme.service() as service:
        found = await service.get_employee_by_email(person["email"])
    assert found is not None
    assert found.id == person["id"]
    listed = [p for p in acme.transport.paths if p.endswith("/employees")]
    assert len(listed) == 1  # the filtered list call, never a walk through every page


async def test_an_organization_without_an_active_integration_is_a_clear_error():
    from harvey.organizations.models import Organization

    organization = await Organization.objects.acreate(name="Initech", slug="initech")
    with pytest.raises(NoActiveIntegration):
        async with HRMSIntegrationService(organization):
            pass


async def _store_in_replica(tenant, person: dict) -> None:
    """The HRMS's employee record as a row of the tenant's replica, as a sync would have left it."""
    from harvey.replica.models import Employee

    await Employee.objects.acreate(
        organization=tenant.organization,
        external_id=person["id"],
        employee_id=person["id"],
        first_name=person["first_name"],
        last_name=person["last_name"],
        email=person["email"],
        employment_status=person["employment_status"],
    )
