"""The Celery tasks in-process (eager): what the dispatcher enqueues, and how a run's outcome is handled.

The real-worker behaviour (SIGKILL, faults, two workers and beat) is in tests/services/.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from hrmodel.catalogue import NAMES as ENTITY_ORDER
from integrations.hrms.errors import CircuitOpen, Unavailable
from integrations.hrms.sync import tasks
from integrations.hrms.sync.engine import EntityOutcome, SyncLocked
from integrations.hrms.sync.ledger import LeaseHolder
from integrations.hrms.sync.models import DeadLetter, SyncRun, SyncState, SyncStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(organization, make_integration):
    return make_integration(organization)


@pytest.fixture
def calls(monkeypatch, celery_eager):
    """Replace the engine: record each run and answer with a finished run (or what a test scripts: a
    SyncLocked, or an Unavailable that fails the run transiently)."""
    made: list[tuple[int, str, str]] = []
    script: list[Exception] = []

    def fake_sync_entities(organization_id: int, entities, *, trigger: str, stop_at_transient: bool, **_) -> list:
        outcomes = []
        for entity in entities:
            if outcomes and outcomes[-1].transient is not None and stop_at_transient:
                outcomes.append(EntityOutcome(entity, not_reached=True))
                continue
            error = script.pop(0) if script else None
            if isinstance(error, SyncLocked):
                outcomes.append(EntityOutcome(entity, locked=error.holder))
                continue
            made.append((organization_id, entity, trigger))
            status = SyncStatus.FAILED if error else SyncStatus.SUCCEEDED
            run = SyncRun.objects.create(
                organization_id=organization_id, entity=entity, trigger=trigger, status=status,
                finished_at=timezone.now(), error_code=getattr(error, "code", ""),
            )  # fmt: skip
            outcomes.append(EntityOutcome(entity, run=run, transient=error))
        return outcomes

    monkeypatch.setattr(tasks, "sync_entities", fake_sync_entities)
    fake_sync_entities.made = made
    fake_sync_entities.script = script
    return fake_sync_entities


def _holder(organization, entity="employees") -> LeaseHolder:
    return LeaseHolder(organization.pk, entity, 7, "worker-1", 123, timezone.now(), timezone.now(), None, 3)


# ---- backoff ---------------------------------------------------------------------------------------------


def test_retry_countdown_is_full_jitter_under_an_exponential_ceiling():
    rng = random.Random(1)
    delays = [tasks.retry_countdown(3, base=10, cap=1000, rng=rng) for _ in range(200)]
    assert all(0 <= delay <= 80 for delay in delays)
    assert max(delays) > 60  # spread over the whole range, not clustered
    assert min(delays) < 20


def test_retry_countdown_is_capped():
    assert tasks.retry_countdown(30, base=10, cap=100, rng=random.Random(1)) <= 100


def test_retry_countdown_honours_retry_after():
    assert tasks.retry_countdown(0, base=1, cap=100, retry_after=42, rng=random.Random(1)) >= 42


# ---- the dispatcher ----------------------------------------------------------------------------------------


def test_a_never_synced_integration_has_every_enabled_entity_due_in_dependency_order(integration):
    due = tasks.find_due_syncs(timezone.now())
    assert [item.entity for item in due] == list(ENTITY_ORDER)
    assert {item.trigger for item in due} == {"schedule"}


def test_a_disabled_entity_is_not_dispatched(integration):
    integration.sync_settings = {"interviews": {"enabled": False, "interval_minutes": 30}}
    integration.save()
    assert "interviews" not in [item.entity for item in tasks.find_due_syncs(timezone.now())]


def test_an_inactive_integration_is_not_dispatched(integration):
    integration.is_active = False
    integration.save()
    assert tasks.find_due_syncs(timezone.now()) == []


def test_a_pair_with_a_live_lease_is_not_dispatched(integration, organization):
    SyncState.objects.create(
        organization=organization,
        entity="employees",
        lease_owner="abc",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    assert "employees" not in [item.entity for item in tasks.find_due_syncs(timezone.now())]


def test_a_run_whose_worker_died_is_dispatched_as_a_resume(integration, organization):
    run = SyncRun.objects.create(organization=organization, entity="employees", status=SyncStatus.RUNNING)
    SyncState.objects.create(
        organization=organization,
        entity="employees",
        fence=3,
        resume_run=run,
        last_run=run,
        lease_owner="dead",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    due = {item.entity: item for item in tasks.find_due_syncs(timezone.now())}
    assert due["employees"].trigger == "resume"


def test_dispatch_runs_each_due_entity_once_in_dependency_order(integration, organization, calls):
    assert tasks.dispatch_due_syncs.delay().get() == len(ENTITY_ORDER)
    assert calls.made == [(organization.pk, entity, "schedule") for entity in ENTITY_ORDER]


def test_a_beat_that_repeats_itself_enqueues_nothing_twice(integration, calls):
    guard_calls = tasks.find_due_syncs(timezone.now())
    assert tasks.dispatch_due_syncs() == len(guard_calls)
    calls.made.clear()
    SyncRun.objects.all().delete()  # as if the runs had not started yet: still due, but already claimed
    assert tasks.dispatch_due_syncs() == 0
    assert calls.made == []


# ---- one run ----------------------------------------------------------------------------------------------


def test_sync_entity_task_delay_runs_in_process_without_a_broker(integration, organization, calls):
    result = tasks.sync_entity_task.delay(organization.pk, "employees", "manual").get()
    assert result["status"] == SyncStatus.SUCCEEDED
    assert calls.made == [(organization.pk, "employees", "manual")]


def test_a_locked_pair_returns_quietly(integration, organization, calls):
    calls.script.append(SyncLocked(_holder(organization)))
    assert tasks.sync_entity_task.delay(organization.pk, "employees").get() == {
        "status": "skipped",
        "reason": "already_running",
    }


def test_an_organization_without_an_active_integration_is_skipped(organization, calls):
    assert tasks.sync_entity_task.delay(organization.pk, "employees").get()["reason"] == "no_active_integration"
    assert calls.made == []


def test_a_transient_failure_is_retried_with_trigger_retry(integration, organization, calls, settings):
    settings.HARVEY_SYNC_MAX_RETRIES = 3
    calls.script.extend([Unavailable("503"), Unavailable("503")])
    result = tasks.sync_entity_task.delay(organization.pk, "employees").get()
    assert result["status"] == SyncStatus.SUCCEEDED
    assert [trigger for _, _, trigger in calls.made] == ["schedule", "retry", "retry"]


def test_the_last_retry_files_a_dead_letter_and_stops(integration, organization, calls, settings):
    settings.HARVEY_SYNC_MAX_RETRIES = 2
    calls.script.extend([Unavailable("HRMS down")] * 10)
    result = tasks.sync_entity_task.delay(organization.pk, "employees").get()
    assert result["status"] == "dead_letter"
    assert len(calls.made) == 3  # the first attempt and two retries, then no more
    letter = DeadLetter.objects.get()
    assert (letter.entity, letter.error_code, letter.attempts) == ("employees", "unavailable", 3)
    assert letter.run_id == result["run"]


def test_a_retry_waits_until_an_open_circuit_breaker_lets_a_call_through():
    cause = CircuitOpen("connection refused", reopens_in=25.0)
    assert all(
        tasks.retry_countdown(0, base=1, cap=900, retry_after=cause.retry_after, rng=random.Random(seed)) >= 25.0
        for seed in range(20)
    )


def test_a_chain_stops_at_a_transient_failure_and_retries_from_there(integration, organization, calls, settings):
    settings.HARVEY_SYNC_MAX_RETRIES = 3
    calls.script.extend([None, Unavailable("503")])  # departments fine, employees fails once
    result = tasks.sync_chain_task.delay(organization.pk, ["departments", "employees", "job_requisitions"]).get()
    assert result["status"] == "done"
    assert [(entity, trigger) for _, entity, trigger in calls.made] == [
        ("departments", "schedule"), ("employees", "schedule"), ("employees", "retry"), ("job_requisitions", "retry"),
    ]  # fmt: skip
    failed = SyncRun.objects.get(entity="employees", status=SyncStatus.FAILED)
    assert failed.retry_at is not None  # its pair is not done with: `harvey sync --all` waits for the retry


def test_a_dead_lettered_entity_does_not_stop_the_rest_of_its_chain(integration, organization, calls, settings):
    settings.HARVEY_SYNC_MAX_RETRIES = 1
    calls.script.extend([Unavailable("HRMS down")] * 2)
    tasks.sync_chain_task.delay(organization.pk, ["employees", "job_requisitions"]).get()
    assert DeadLetter.objects.get().entity == "employees"
    assert ("job_requisitions", "retry") in [(entity, trigger) for _, entity, trigger in calls.made]


def _claimed_by(chain: str, *, picked_up_ago: float | None) -> list:
    """Claim every due pair for `chain`, as a dispatch did; with a marker when a worker picked it up."""
    import time as clock

    from django.core.cache import cache

    from integrations.hrms.sync import chains

    due = tasks.find_due_syncs(timezone.now())
    for item in due:
        chains.claim(item.guard_key, chain, item.guard_seconds)
    if picked_up_ago is not None:
        cache.set(f"{chains.MARKER_PREFIX}:{chain}", {"at": clock.time() - picked_up_ago, "waiting_until": 0}, 600)
    return due


def test_a_chain_whose_worker_died_is_enqueued_again(integration, organization, calls, settings):
    settings.HARVEY_SYNC_LEASE_SECONDS = 30
    due = _claimed_by("dead-chain", picked_up_ago=3600)  # picked up an hour ago, silent since
    assert tasks.dispatch_due_syncs() == len(due)
    assert calls.made == [(organization.pk, entity, "schedule") for entity in ENTITY_ORDER]


def test_a_chain_still_in_the_queue_is_not_enqueued_twice(integration, calls):
    _claimed_by("queued-chain", picked_up_ago=None)  # no worker has it yet: no marker
    assert tasks.dispatch_due_syncs() == 0
    assert calls.made == []


def test_a_chain_that_is_running_is_left_alone(integration, organization, calls, settings):
    settings.HARVEY_SYNC_LEASE_SECONDS = 30
    _claimed_by("live-chain", picked_up_ago=3600)
    SyncState.objects.create(
        organization=organization, entity="departments", lease_owner="x",
        lease_expires_at=timezone.now() + timedelta(seconds=20),
    )  # fmt: skip
    assert tasks.dispatch_due_syncs() == 0
