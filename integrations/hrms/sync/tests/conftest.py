"""An organization connected to an in-process mock HRMS, and helpers to compare the replica with it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import orjson
import pytest

from harvey.replica.registry import replica_model
from integrations.hrms.adapters.mock import MockAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from mock_hrms.api import create_app
from mock_hrms.api.settings import MockSettings

FAST = TransportPolicy(
    max_retries=8, backoff_base=0.001, backoff_cap=0.005, rate_per_second=100_000, burst=100_000, breaker_threshold=1000
)
COMPARED = {
    "employees": ("email", "job_title", "manager_id", "department", "employment_status", "skills"),
    "departments": ("name", "head_id", "employee_count"),
    "candidates": ("email", "current_stage", "status", "applied_for_job_id"),
    "interviews": ("candidate_id", "status", "scheduled_date"),
}


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


class Harness:
    """One organization, its integration row, and its own generated HRMS world served in-process."""

    def __init__(self, organization, app, token: str = "mock-hrms-token-12345") -> None:
        self.organization = organization
        self.app = app
        self.token = token
        self.transport = CountingTransport(app)
        self.adapter_class = MockAdapter

    @property
    def world(self):
        return self.app.state.world

    def factory(self) -> Callable[[], MockAdapter]:
        def make() -> MockAdapter:
            return self.adapter_class(
                AdapterConfig("http://mock.test", {"token": self.token}, integration_key=f"org{self.organization.pk}"),
                transport=self.transport,
                state=MemoryTransportState(),
                policy=FAST,
            )

        return make

    def page_employees_by(self, size: int) -> None:
        """From now on the adapter asks for employees `size` at a time (several pages from a small world)."""
        parent = self.adapter_class

        class SmallPages(parent):
            def iter_employees(self, **kw):
                kw["page_size"] = size
                return super().iter_employees(**kw)

        self.adapter_class = SmallPages

    def wrong_manager_links(self) -> list[str]:
        """Employees whose manager link does not point at the row of the manager they name (or is set
        while that manager has no row)."""
        from harvey.replica.models import Employee

        rows = Employee.all_objects.filter(organization=self.organization)
        by_xid = {row.external_id: row.pk for row in rows}
        return [row.external_id for row in rows if row.manager_ref_id != by_xid.get(row.manager_id)]

    def live_ids(self, entity: str) -> set[str]:
        return set(self.world.tables[entity].ids())

    def replica_ids(self, entity: str) -> set[str]:
        model = replica_model(entity)
        return set(model.objects.filter(organization=self.organization).values_list("external_id", flat=True))

    def digest_hrms(self, entity: str) -> str:
        fields = COMPARED[entity]
        rows = sorted(
            [r["id"], *[_norm(r.get(f)) for f in fields]]
            for r in (self.world.tables[entity].get(i) for i in self.live_ids(entity))
        )
        return hashlib.sha256(orjson.dumps(rows)).hexdigest()

    def digest_replica(self, entity: str) -> str:
        fields = COMPARED[entity]
        model = replica_model(entity)
        rows = sorted(
            [r[0], *[_norm(v) for v in r[1:]]]
            for r in model.objects.filter(organization=self.organization).values_list("external_id", *fields)
        )
        return hashlib.sha256(orjson.dumps(rows)).hexdigest()


def _norm(value):
    if hasattr(value, "isoformat"):
        from datetime import UTC

        return value.astimezone(UTC).isoformat() if hasattr(value, "astimezone") else value.isoformat()
    if isinstance(value, str) and len(value) > 19 and value[10] == "T":
        import datetime as dt

        return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()
    return value


@pytest.fixture
def harness(db, organization, make_integration, settings) -> Harness:
    settings.HARVEY_SYNC_LEASE_SECONDS = 60
    make_integration(organization)
    return Harness(organization, create_app(MockSettings(seed=11, employees=120)))
