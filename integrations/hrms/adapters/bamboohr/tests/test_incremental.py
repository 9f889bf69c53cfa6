"""Incremental sync through BambooHR's change feed, with the sync engine (`sync_entity`).

After a first full run, a change made in the simulator reaches the replica in one incremental run that reads
`employees/changed` and then fetches only the changed employees — never the full custom report — and a
deletion in the simulator soft-deletes the replica row.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from harvey.replica.models import Employee
from integrations.hrms.adapters.bamboohr import BambooHRAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState
from integrations.hrms.sync.engine import sync_entity

from .conftest import FAST, HOST, KEY, RecordingTransport, control, delete_an_employee

CREDENTIALS = {"api_key": KEY, "company_domain": "acme"}
pytestmark = pytest.mark.django_db


@pytest.fixture
def org(organization, make_integration):
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=CREDENTIALS)
    return organization


@pytest.fixture
def recorded(sim) -> RecordingTransport:
    return RecordingTransport(sim)


@pytest.fixture
def run(org, recorded):
    """Run one employees sync of the organization against the simulator; returns the finished SyncRun."""

    def factory() -> BambooHRAdapter:
        config = AdapterConfig(base_url=HOST, credentials=CREDENTIALS, integration_key="incremental")
        return BambooHRAdapter(config, transport=recorded, state=MemoryTransportState(), policy=FAST)

    def run_once():
        return sync_entity(org.pk, "employees", adapter_factory=factory)

    return run_once


def test_the_first_run_reads_everyone_through_the_report(sim, run, recorded):
    first = run()
    assert first.status == "succeeded"
    assert "/api/v1/reports/custom" in recorded.paths()
    assert Employee.objects.filter(organization__slug="acme").count() == len(sim.state.world.tables["employees"])


def test_a_change_in_bamboohr_arrives_in_one_incremental_run_through_the_change_feed(sim, run, recorded):
    run()
    recorded.clear()
    async_to_sync(control)(sim, "PATCH", "/_control/employees/EMP00010", json={"job_title": "Chief Tea Officer"})
    second = run()
    paths = recorded.paths()
    assert second.status == "succeeded"
    assert Employee.objects.get(external_id="10").job_title == "Chief Tea Officer"
    assert paths[0] == "/api/v1/employees/changed"
    assert "/api/v1/reports/custom" not in paths
    fetched = {p.rsplit("/", 1)[1] for p in paths if p.startswith("/api/v1/employees/") and p[18:].isdigit()}
    assert "10" in fetched, paths
    assert len(fetched) < len(sim.state.world.tables["employees"]) // 4, fetched  # only what the feed named


def test_a_deletion_in_bamboohr_soft_deletes_the_replica_row(sim, run):
    run()
    deleted_id = async_to_sync(delete_an_employee)(sim)
    second = run()
    assert second.status == "succeeded"
    row = Employee.all_objects.get(external_id=deleted_id)
    assert row.deleted_at is not None
    assert not Employee.objects.filter(external_id=deleted_id).exists()
