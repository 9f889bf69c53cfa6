"""A worker SIGKILLed in the middle of a large run: the run resumes and the replica is exact."""

from __future__ import annotations

import pytest

from harvey.replica.models import Employee
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus
from integrations.hrms.sync.tasks import dispatch_due_syncs, sync_entity_task

from .harness import replica_employees, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMPLOYEES = 100_000


def test_a_killed_worker_run_resumes_and_the_replica_equals_the_hrms(processes, connect, queue):
    mock = processes.mock_hrms(employees=EMPLOYEES)
    org = connect(mock)
    worker = processes.worker()
    sync_entity_task.apply_async((org.pk, "employees", "manual"), queue=queue)

    def mid_run() -> bool:
        state = SyncState.objects.filter(organization=org, entity="employees").first()
        return state is not None and state.cursor is not None and state.lease_held()

    wait_until(mid_run, timeout=60, interval=0.05, what="the first committed page")
    worker.kill()
    state = SyncState.objects.get(organization=org, entity="employees")
    committed = len(replica_employees(org.pk))
    assert 0 < committed < EMPLOYEES, "the worker must die in the middle of the run"
    assert SyncRun.objects.get(pk=state.resume_run_id).status == SyncStatus.RUNNING

    processes.worker()
    wait_until(lambda: not SyncState.objects.get(pk=state.pk).lease_held(), timeout=30, what="the lease to expire")
    dispatch_due_syncs.apply_async(queue=queue)  # the beat's dispatcher sees the dead run and resumes it

    def finished() -> SyncRun | None:
        return (
            SyncRun.objects.filter(organization=org, entity="employees", finished_at__isnull=False)
            .exclude(error_code="interrupted")
            .first()
        )

    run = wait_until(finished, timeout=90, what="the resumed run to finish")
    assert run.status == SyncStatus.SUCCEEDED, (run.error_code, run.error_message)
    assert run.trigger == "resume"
    assert run.fetched < EMPLOYEES  # it continued from the checkpoint instead of starting over

    source = mock.records("employees")
    replica = replica_employees(org.pk)
    assert Employee.objects.filter(organization=org).count() == len(source)  # no duplicate rows
    assert replica.keys() == source.keys()  # nothing missing, nothing extra
    assert replica == source  # the same updated_at and field digest for every employee
    interrupted = SyncRun.objects.get(organization=org, entity="employees", error_code="interrupted")
    newest = max(updated for updated, _ in source.values())
    state.refresh_from_db()
    # The highest committed updated_at, never past the start of the (resumed) pass.
    assert state.watermark == min(newest, interrupted.started_at)
    assert state.cursor is None
