"""Infrastructure faults with a worker and beat running: a worker killed in the middle of an organization's
chain, the database going away under a run, and `harvey sync --all` on the workers."""

from __future__ import annotations

import time

import pytest

from harvey.exits import Exit
from harvey.organizations.models import Organization
from harvey.replica.models import Employee
from hrmodel.catalogue import NAMES as ENTITY_ORDER
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus
from integrations.hrms.sync.tasks import sync_chain_task

from .harness import database_url, replica_employees, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAST = {"HARVEY_SYNC_DISPATCH_SECONDS": "2", "HARVEY_SYNC_LEASE_SECONDS": "6", "HARVEY_SYNC_HEARTBEAT_SECONDS": "2"}


def employees_mid_run(org) -> bool:
    state = SyncState.objects.filter(organization=org, entity="employees").first()
    return state is not None and state.cursor is not None and state.lease_held()


def all_synced(org) -> bool:
    return SyncState.objects.filter(organization=org, last_success_at__isnull=False).count() == len(ENTITY_ORDER)


def test_a_chain_survives_the_death_of_the_worker_running_it(processes, connect):
    mock = processes.mock_hrms(employees=30_000, seed=31)
    org = connect(mock, entities=ENTITY_ORDER, interval=60)
    mock.put_faults({"rules": [{"path": "/api/v1/employees", "latency_ms": 150}]})  # a slow employees run
    worker = processes.worker(**FAST)
    processes.beat(**FAST)
    wait_until(lambda: employees_mid_run(org), timeout=90, interval=0.05, what="the employees run to page")
    worker.kill()  # SIGKILL: the chain's message, its lease and the rest of the chain are left behind
    assert not SyncState.objects.filter(organization=org, entity="job_requisitions", last_run__isnull=False).exists()
    mock.clear_faults()
    processes.worker(**FAST)

    wait_until(lambda: all_synced(org), timeout=120, what="the rest of the dead worker's chain")
    resumed = SyncRun.objects.filter(organization=org, entity="employees", status=SyncStatus.SUCCEEDED).first()
    assert resumed.trigger == "resume"
    assert SyncRun.objects.filter(organization=org, entity="employees", error_code="interrupted").exists()
    assert replica_employees(org.pk) == mock.records("employees")


def test_a_run_whose_database_went_away_frees_its_lease_and_is_resumed(processes, connect):
    mock = processes.mock_hrms(employees=30_000, seed=32)
    org = connect(mock, entities=("employees",), interval=60)
    mock.put_faults({"rules": [{"path": "/api/v1/employees", "latency_ms": 150}]})
    proxy = processes.database_proxy()
    processes.worker(DATABASE_URL=database_url(port=proxy.port), **FAST)
    processes.beat(**FAST)
    wait_until(lambda: employees_mid_run(org), timeout=90, interval=0.05, what="the employees run to page")
    cut_at = time.time()
    proxy.cut()  # the worker's database goes away in the middle of the run
    time.sleep(8)  # longer than the lease: a run that cannot renew it must let it go
    state = SyncState.objects.get(organization=org, entity="employees")
    assert not state.lease_held(), "a run cut off from its database kept its lease"
    mock.clear_faults()
    proxy.restore()

    def resumed() -> SyncRun | None:
        return SyncRun.objects.filter(
            organization=org, entity="employees", status=SyncStatus.SUCCEEDED, started_at__gt=state.heartbeat_at
        ).first()

    run = wait_until(resumed, timeout=120, what="the interrupted run to be resumed")
    assert run.trigger in ("resume", "retry")
    assert run.started_at.timestamp() - cut_at < 90
    assert replica_employees(org.pk) == mock.records("employees")
    assert Employee.objects.filter(organization=org).count() == len(mock.records("employees"))


def test_sync_all_runs_every_entity_of_every_organization_on_the_workers(processes, connect):
    mock = processes.mock_hrms(employees=60, seed=33)
    orgs = [
        connect(mock, entities=ENTITY_ORDER, interval=600, org=Organization.objects.create(name=f"O{n}", slug=f"o{n}"))
        for n in range(12)
    ]
    processes.worker(**FAST)
    command = processes.harvey("sync", "--all", **FAST)
    assert command.wait(timeout=180) == Exit.OK, command.output()
    printed = command.output()
    assert f"{len(orgs) * len(ENTITY_ORDER)} of {len(orgs) * len(ENTITY_ORDER)}" in printed
    assert "runs/s" in printed
    assert "p95 run" in printed
    cycle = SyncRun.objects.exclude(cycle="").values_list("cycle", flat=True).first()
    runs = SyncRun.objects.filter(cycle=cycle)
    assert runs.count() == len(orgs) * len(ENTITY_ORDER)
    assert set(runs.values_list("status", flat=True)) == {SyncStatus.SUCCEEDED}
    assert sync_chain_task.name == "hrms.sync.chain"
