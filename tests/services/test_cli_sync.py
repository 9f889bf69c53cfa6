"""`harvey sync` as an operator runs it, in processes of its own: a second sync of a running entity names the
first and exits 3; a `kill -9` in the middle of a 100,000-employee run, then `harvey sync --wait 120`, ends
with the replica equal to the HRMS, the lease taken within a minute (30 s lease, 10 s heartbeat: the
defaults), and the dead run's checkpoint resumed."""

from __future__ import annotations

import time

import pytest

from harvey.exits import Exit
from harvey.replica.models import Employee
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus

from .harness import replica_employees, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMPLOYEES = 100_000
DEFAULTS = {"HARVEY_SYNC_LEASE_SECONDS": "30", "HARVEY_SYNC_HEARTBEAT_SECONDS": "10"}


def test_kill_9_of_harvey_sync_then_harvey_sync_wait_ends_exact(processes, connect):
    mock = processes.mock_hrms(employees=EMPLOYEES)
    org = connect(mock)
    mock.put_faults({"rules": [{"path": "/api/v1/employees", "latency_ms": 150}]})  # a slow HRMS: ~15 s a run
    first = processes.harvey("sync", "--org", org.slug, "--entity", "employees", **DEFAULTS)

    def mid_run() -> SyncState | None:
        state = SyncState.objects.filter(organization=org, entity="employees").first()
        return state if state is not None and state.cursor is not None and state.lease_held() else None

    state = wait_until(mid_run, timeout=120, interval=0.05, what="the first committed page")
    running = state.resume_run_id

    second = processes.harvey("sync", "--org", org.slug, "--entity", "employees", **DEFAULTS)
    assert second.wait(timeout=60) == Exit.LOCKED, second.output()
    said = second.output()
    assert f"run {running}" in said
    assert f"pid {first.popen.pid}" in said
    assert "last heartbeat" in said

    first.kill()  # SIGKILL: no cleanup, the lease is left to lapse
    killed = time.time()
    assert 0 < Employee.objects.filter(organization=org).count() < EMPLOYEES
    mock.clear_faults()
    third = processes.harvey("sync", "--org", org.slug, "--entity", "employees", "--wait", "120", **DEFAULTS)
    assert third.wait(timeout=300) == Exit.OK, third.output()

    resumed = SyncRun.objects.filter(organization=org, entity="employees").order_by("-started_at").first()
    assert resumed.status == SyncStatus.SUCCEEDED
    assert resumed.trigger == "resume"
    assert resumed.started_at.timestamp() - killed < 60, "the lease of the dead run took a minute or more"
    assert SyncRun.objects.get(pk=running).error_code == "interrupted"
    assert replica_employees(org.pk) == mock.records("employees")
    assert Employee.objects.filter(organization=org).count() == len(mock.records("employees"))
