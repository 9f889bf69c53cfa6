"""An HRMS that fails, throttles, changes under a run, or expires the token: the replica stays exact."""

from __future__ import annotations

import pytest

from harvey.organizations.models import HRMSIntegration
from harvey.replica.models import Employee
from integrations.hrms.sync.models import DeadLetter, SyncRun, SyncStatus
from integrations.hrms.sync.tasks import sync_entity_task

from .harness import replica_employees, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAULTS = {
    "seed": 7,
    "rules": [
        {"path": "/api/", "rate_limit": {"every_nth": 10, "retry_after_seconds": 1}},  # 10% answered 429
        {"path": "/api/", "error_rate": 0.1, "error_status": 500},
        {"path": "/api/", "error_rate": 0.1 / 0.9, "error_status": 503},  # 10% of all: 20% 5xx in total
    ],
}


def sync_and_wait(org, entity: str, queue: str, *, timeout: float = 90) -> SyncRun:
    """Enqueue a run on the worker and return the run that finished it (after any retries)."""
    before = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sync_entity_task.apply_async((org.pk, entity, "manual"), queue=queue)

    def outcome() -> SyncRun | None:
        runs = SyncRun.objects.filter(organization=org, entity=entity, pk__gt=before, finished_at__isnull=False)
        last = runs.order_by("-pk").first()
        if last is None:
            return None
        if last.status != SyncStatus.FAILED or DeadLetter.objects.filter(run=last).exists():
            return last
        if last.error_code in ("token_expired", "authentication_failed", "configuration_error"):
            return last  # permanent: no retry will follow
        return None  # a transient failure: the task retries it

    return wait_until(outcome, timeout=timeout, what=f"the {entity} run to finish")


def test_with_5xx_and_429_injected_every_run_completes_with_an_exact_replica(processes, connect, queue):
    mock = processes.mock_hrms(employees=3_000, seed=11)
    org = connect(mock, entities=("departments", "employees"))
    processes.worker()
    mock.put_faults(FAULTS)
    for entity in ("departments", "employees"):
        run = sync_and_wait(org, entity, queue)
        assert run.status == SyncStatus.SUCCEEDED, (entity, run.error_code, run.error_message)
    mock.simulate(200, seed=3)
    run = sync_and_wait(org, "employees", queue)
    assert run.status == SyncStatus.SUCCEEDED, (run.error_code, run.error_message)
    injected = mock.control.get("/stats").json()["faults_injected"]
    assert sum(injected.values()) > 0, "the faults must actually have been injected"
    mock.clear_faults()
    assert replica_employees(org.pk) == mock.records("employees")
    assert not DeadLetter.objects.exists()


def test_records_changed_while_a_run_pages_are_in_the_replica_after_the_next_run(processes, connect, queue):
    mock = processes.mock_hrms(employees=20_000, seed=5)
    org = connect(mock)
    processes.worker()
    before = SyncRun.objects.count()
    sync_entity_task.apply_async((org.pk, "employees", "manual"), queue=queue)
    seed = 0

    def changing_until_finished() -> bool:
        nonlocal seed
        seed += 1
        mock.simulate(20, seed=seed)  # hires, updates, transfers, terminations while the run pages
        return SyncRun.objects.filter(organization=org, finished_at__isnull=False).count() > before

    wait_until(changing_until_finished, timeout=90, interval=0.05, what="the run to finish under changes")
    assert seed > 3, "changes must have happened during the run"
    run = sync_and_wait(org, "employees", queue)
    assert run.status == SyncStatus.SUCCEEDED
    assert replica_employees(org.pk) == mock.records("employees")


def test_an_expired_token_fails_fast_deletes_nothing_and_recovers_with_a_new_token(processes, connect, queue):
    mock = processes.mock_hrms(employees=2_000, seed=13)
    org = connect(mock)
    processes.worker()
    assert sync_and_wait(org, "employees", queue).status == SyncStatus.SUCCEEDED
    live_before = Employee.objects.filter(organization=org).count()

    mock.put_faults({"token_expiry": {"after_requests": 0}})
    mock.simulate(50, seed=9)
    run = sync_and_wait(org, "employees", queue, timeout=30)
    assert run.status == SyncStatus.FAILED
    assert run.error_code in ("token_expired", "authentication_failed")
    assert "expired" in run.error_message.lower() or "token" in run.error_message.lower()
    assert run.duration_seconds < 10  # fails fast, no retry loop
    assert SyncRun.objects.filter(organization=org, trigger="retry").count() == 0
    assert Employee.objects.filter(organization=org).count() == live_before  # nothing deleted
    assert not DeadLetter.objects.exists()

    mock.clear_faults()
    mock.rotate_token("rotated-token-0123456789")
    integration = HRMSIntegration.objects.get(organization=org)
    integration.credentials = {"token": mock.token}
    integration.save()
    run = sync_and_wait(org, "employees", queue)
    assert run.status == SyncStatus.SUCCEEDED, (run.error_code, run.error_message)
    assert replica_employees(org.pk) == mock.records("employees")
