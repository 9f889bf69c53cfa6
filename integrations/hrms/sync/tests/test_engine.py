"""The sync engine: incremental, resumable, fenced, safe about deletions and bad records."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from harvey.replica.models import Employee
from hrmodel import catalogue
from integrations.hrms.base import Capabilities
from integrations.hrms.sync import engine, ledger
from integrations.hrms.sync.engine import SyncLocked, TransientSyncError, sync_entity
from integrations.hrms.sync.models import QuarantinedRecord, SyncRun, SyncState, SyncStatus

pytestmark = pytest.mark.django_db


def run(harness, entity="employees", **kw) -> SyncRun:
    return sync_entity(harness.organization.pk, entity, adapter_factory=harness.factory(), **kw)


def test_a_first_run_copies_every_record_exactly(harness):
    result = run(harness)
    assert result.status == SyncStatus.SUCCEEDED
    assert harness.replica_ids("employees") == harness.live_ids("employees")
    assert harness.digest_replica("employees") == harness.digest_hrms("employees")
    assert result.inserted == len(harness.world.tables["employees"])


def test_with_nothing_changed_a_run_is_one_request_and_writes_nothing(harness):
    run(harness)
    before = len(harness.transport.requests)
    result = run(harness)
    assert len(harness.transport.requests) - before == 1
    assert (result.inserted, result.updated) == (0, 0)


def test_an_incremental_run_fetches_only_what_changed(harness):
    run(harness)
    changed = {
        harness.world.sim.update_employee(i, job_title="Staff Engineer")["id"]
        for i in sorted(harness.live_ids("employees"))[:5]
    }
    result = run(harness)
    assert result.since is not None
    assert result.updated == len(changed)
    assert result.fetched - result.unchanged == len(changed)  # the rest is the small overlap window
    assert result.fetched < 10
    assert harness.digest_replica("employees") == harness.digest_hrms("employees")


def test_the_watermark_is_stored_in_the_database_and_never_passes_the_run_start(harness):
    result = run(harness)
    state = SyncState.objects.get(organization=harness.organization, entity="employees")
    assert state.watermark is not None
    assert state.watermark <= result.started_at
    assert state.cursor is None


def test_tombstones_soft_delete_the_replica_record(harness):
    run(harness, "candidates")
    victim = sorted(harness.live_ids("candidates"))[0]
    harness.world.sim.delete("candidates", victim)
    result = run(harness, "candidates")
    assert result.deleted == 1
    assert victim not in harness.replica_ids("candidates")


def test_a_bad_record_is_quarantined_and_the_run_goes_on_as_partial(harness):
    table = harness.world.tables["employees"]
    bad_id = sorted(harness.live_ids("employees"))[3]
    table.put({**table.get(bad_id), "email": "broken", "updated_at": harness.world.clock().isoformat()})
    result = run(harness)
    assert result.status == SyncStatus.PARTIAL
    assert result.quarantined == 1
    entry = QuarantinedRecord.objects.get(organization=harness.organization, external_id=bad_id)
    assert "email" in entry.reason
    assert entry.payload["email"] == "broken"
    assert harness.replica_ids("employees") == harness.live_ids("employees") - {bad_id}


def test_a_quarantined_record_is_retried_and_resolved_once_fixed(harness):
    table = harness.world.tables["employees"]
    bad_id = sorted(harness.live_ids("employees"))[3]
    good = dict(table.get(bad_id))
    table.put({**good, "email": "broken", "updated_at": harness.world.clock().isoformat()})
    run(harness)
    table.put({**good, "updated_at": "2020-01-01T00:00:00+00:00"})  # fixed, yet older than the watermark
    result = run(harness)
    assert result.status == SyncStatus.SUCCEEDED
    assert QuarantinedRecord.objects.get(external_id=bad_id).resolved_at is not None
    assert bad_id in harness.replica_ids("employees")


def test_reports_waiting_for_a_manager_are_linked_when_the_manager_arrives_later(harness):
    """A manager quarantined on the first run leaves their reports' links waiting; when the fixed record
    arrives on a later run, the reports (unchanged, so not written again) are linked to it."""
    table = harness.world.tables["employees"]
    managers = {table.get(i)["manager_id"] for i in harness.live_ids("employees")} - {None}
    bad_id = sorted(managers)[1]
    good = dict(table.get(bad_id))
    table.put({**good, "email": "broken", "updated_at": harness.world.clock().isoformat()})
    run(harness, "departments")  # so that nothing else is left waiting
    run(harness)
    reports = Employee.objects.filter(organization=harness.organization, manager_id=bad_id)
    assert reports.exists()
    assert not reports.filter(manager_ref__isnull=False).exists()
    table.put({**good, "updated_at": "2020-01-01T00:00:00+00:00"})  # fixed; its reports did not change
    result = run(harness)
    assert result.updated == 0
    assert harness.wrong_manager_links() == []


def test_a_killed_run_resumes_from_its_last_committed_page(harness, monkeypatch):
    class Killed(BaseException):
        pass

    pages = []

    def die_after_first_commit(counts):
        pages.append(counts)
        raise Killed

    # A transaction holds at most GROUP_PAGES pages, so the first commit leaves pages for the resumed run.
    assert len(harness.world.tables["employees"]) / 20 > engine.GROUP_PAGES

    monkeypatch.setattr(ledger, "fail_run", lambda *a, **k: None)  # SIGKILL: nothing gets to record anything
    monkeypatch.setattr(engine.ledger, "fail_run", lambda *a, **k: None)
    harness.page_employees_by(20)
    with pytest.raises(Killed):
        run(harness, on_progress=die_after_first_commit)
    monkeypatch.undo()
    with pytest.raises(SyncLocked):  # the dead worker's lease has not expired yet
        run(harness)
    SyncState.objects.filter(organization=harness.organization).update(lease_expires_at=timezone.now())
    result = run(harness)
    assert result.trigger == "resume", (result.status, result.error_code, result.error_message)
    committed = pages[-1]["pages"]  # the killed run committed these (a transaction may hold several)
    assert 1 <= committed <= engine.GROUP_PAGES
    assert result.fetched == len(harness.world.tables["employees"]) - committed * 20, (
        result.error_code,
        result.error_message,
    )
    assert harness.digest_replica("employees") == harness.digest_hrms("employees")
    assert harness.wrong_manager_links() == []  # also the links the killed run wrote ahead of their records
    first = SyncRun.objects.filter(organization=harness.organization).order_by("started_at").first()
    assert first.status == SyncStatus.FAILED
    assert first.error_code == "interrupted"


def test_a_run_whose_lease_was_taken_over_cannot_commit(harness):
    ctx = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    SyncState.objects.filter(pk=ctx.state_id).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)  # another worker
    with pytest.raises(ledger.LeaseLost):
        ledger.checkpoint(ctx, cursor="x", max_updated_at=None)


def test_two_runs_of_one_pair_cannot_hold_the_lease_at_once(harness):
    ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    with pytest.raises(SyncLocked):
        ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)


def test_bad_credentials_fail_fast_with_a_reason_and_delete_nothing(harness):
    run(harness)
    before = harness.replica_ids("employees")
    harness.token = "expired"
    result = run(harness, full=True)
    assert result.status == SyncStatus.FAILED
    assert result.error_code == "authentication_failed"
    assert harness.replica_ids("employees") == before
    harness.token = "mock-hrms-token-12345"
    assert run(harness).status == SyncStatus.SUCCEEDED


def test_a_transient_outage_fails_the_run_for_a_retry_that_resumes(harness, settings):
    harness.app.state.faults.configure(_faults(error_rate=1.0, error_status=500))
    with pytest.raises(TransientSyncError) as raised:
        run(harness)
    assert raised.value.run.status == SyncStatus.FAILED
    assert raised.value.run.error_code == "unavailable"
    harness.app.state.faults.configure(_faults(error_rate=0.0))
    assert run(harness).status == SyncStatus.SUCCEEDED
    assert harness.digest_replica("employees") == harness.digest_hrms("employees")


def _faults(**rule):
    from mock_hrms.api.faults import FaultConfig

    return FaultConfig(rules=[{"path": "/api/", **rule}])


def _without_deletions(adapter_class):
    caps = adapter_class.provider.capabilities

    class NoDeletions(adapter_class):
        provider = type(adapter_class.provider)(
            key="mock",
            display_name="No-deletions HRMS",
            config_schema=adapter_class.provider.config_schema,
            capabilities=Capabilities(
                entities=caps.entities, incremental=caps.incremental, deletions=frozenset(), writes=caps.writes
            ),
        )

    return NoDeletions


def test_a_roster_sweep_soft_deletes_what_the_hrms_no_longer_lists(harness):
    harness.adapter_class = _without_deletions(harness.adapter_class)
    run(harness, "candidates", full=True)
    gone = sorted(harness.live_ids("candidates"))[:2]
    for candidate in gone:
        harness.world.sim.delete("candidates", candidate)
    result = run(harness, "candidates", full=True)
    assert result.deleted == 2
    assert harness.replica_ids("candidates") == harness.live_ids("candidates")


def test_a_sweep_that_would_delete_too_much_aborts_and_deletes_nothing(harness):
    harness.adapter_class = _without_deletions(harness.adapter_class)
    run(harness, "candidates", full=True)
    before = harness.replica_ids("candidates")
    for candidate in random.Random(1).sample(sorted(before), k=len(before) // 2):
        harness.world.sim.delete("candidates", candidate)
    result = run(harness, "candidates", full=True)
    assert result.status == SyncStatus.FAILED
    assert result.error_code == "sweep_aborted"
    assert harness.replica_ids("candidates") == before


def test_a_field_that_empties_marks_the_run_degraded(harness):
    run(harness, full=True)
    table = harness.world.tables["employees"]
    for employee_id in harness.live_ids("employees"):
        table.put({**table.get(employee_id), "phone": None, "updated_at": harness.world.clock().isoformat()})
    result = run(harness, full=True)
    assert result.status == SyncStatus.DEGRADED
    assert any("phone" in note for note in result.notes)


def test_unsupported_entities_are_declared_not_silently_skipped(harness):
    caps = harness.adapter_class.provider.capabilities
    base = harness.adapter_class

    class NoInterviews(base):
        provider = type(base.provider)(
            key="mock",
            display_name="No-interviews HRMS",
            config_schema=base.provider.config_schema,
            capabilities=Capabilities(entities=caps.entities - {"interviews"}),
        )

    harness.adapter_class = NoInterviews
    result = run(harness, "interviews")
    assert result.status == SyncStatus.SUCCEEDED
    assert any("no API for interviews" in note for note in result.notes)


def test_references_are_resolved_whichever_entity_arrives_first(harness):
    from harvey.replica.models import Department, Employee

    run(harness, "employees")
    run(harness, "departments")
    employee = Employee.objects.filter(organization=harness.organization, department_id__isnull=False).first()
    assert employee.department_ref is not None  # departments arrived second and were linked afterwards
    department = Department.objects.filter(organization=harness.organization, head_id__isnull=False).first()
    assert department.head_ref is not None
    assert catalogue.ENTITIES


def test_incremental_interview_runs_on_healthy_data_are_not_degraded(organization, make_integration):
    from mock_hrms.api import create_app
    from mock_hrms.api.settings import MockSettings

    from .conftest import Harness

    make_integration(organization)
    harness = Harness(organization, create_app(MockSettings(seed=11, employees=1500)))
    run(harness, "interviews", full=True)  # the baseline of a full read: most interviews have feedback
    table = harness.world.tables["interviews"]
    assert len(table) > 120
    for interview_id in sorted(harness.live_ids("interviews"))[:60]:  # newly scheduled: no feedback yet
        fresh = {"status": "scheduled", "feedback": None, "rating": None, "recommendation": None}
        table.put({**table.get(interview_id), **fresh, "updated_at": harness.world.clock().isoformat()})
    result = run(harness, "interviews")
    assert result.since is not None
    assert result.fetched >= 60
    assert result.status == SyncStatus.SUCCEEDED, result.notes


def test_a_dead_letter_is_resolved_when_its_pair_recovers(harness):
    from integrations.hrms.sync.models import DeadLetter

    harness.app.state.faults.configure(_faults(error_rate=1.0, error_status=503))
    with pytest.raises(TransientSyncError) as raised:
        run(harness)
    letter = DeadLetter.objects.create(
        organization=harness.organization, entity="employees", run=raised.value.run, error_code="unavailable",
        error_message="HRMS down", attempts=6,
    )  # fmt: skip
    harness.app.state.faults.configure(_faults(error_rate=0.0))
    assert run(harness).status == SyncStatus.SUCCEEDED
    letter.refresh_from_db()
    assert letter.resolved_at is not None


def test_a_second_sync_names_the_run_that_holds_the_lease(harness):
    first = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    with pytest.raises(SyncLocked) as raised:
        run(harness)
    holder = raised.value.holder
    assert holder.run_id == first.run_id
    assert holder.host == ledger.HOST
    assert holder.pid is not None
    assert holder.heartbeat_at is not None
    text = holder.describe()
    assert f"run {first.run_id}" in text
    assert "last heartbeat" in text
    assert "page(s) committed" in text


def test_a_sync_that_waits_gets_a_dead_runs_lease_and_resumes_its_checkpoint(harness, settings, monkeypatch):
    class Killed(BaseException):
        pass

    def die_after_first_commit(counts):
        raise Killed

    settings.HARVEY_SYNC_LEASE_SECONDS = 1
    monkeypatch.setattr(engine.ledger, "fail_run", lambda *a, **k: None)  # SIGKILL: nothing gets recorded
    harness.page_employees_by(20)
    with pytest.raises(Killed):
        run(harness, on_progress=die_after_first_commit)
    monkeypatch.undo()
    dead = SyncRun.objects.get(organization=harness.organization)
    waited = []
    (outcome,) = engine.sync_entities(
        harness.organization.pk, ["employees"], wait=10, adapter_factory=harness.factory(), on_wait=waited.append
    )
    assert [holder.run_id for holder in waited] == [dead.pk]
    assert outcome.run.status == SyncStatus.SUCCEEDED
    assert outcome.run.trigger == "resume"
    assert outcome.run.fetched < len(harness.world.tables["employees"])  # from the dead run's checkpoint on
    dead.refresh_from_db()
    assert (dead.status, dead.error_code) == (SyncStatus.FAILED, "interrupted")
    assert harness.digest_replica("employees") == harness.digest_hrms("employees")


def test_a_run_that_died_before_its_first_commit_is_closed_by_the_next_run(harness, settings):
    settings.HARVEY_SYNC_LEASE_SECONDS = 1
    dead = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    (outcome,) = engine.sync_entities(
        harness.organization.pk, ["employees"], wait=10, adapter_factory=harness.factory()
    )
    assert outcome.run.status == SyncStatus.SUCCEEDED
    assert SyncRun.objects.get(pk=dead.run_id).status == SyncStatus.FAILED  # never left "running" for ever


def test_a_sync_that_does_not_wait_reports_the_holder_and_runs_nothing(harness):
    held = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    (outcome,) = engine.sync_entities(harness.organization.pk, ["employees"], adapter_factory=harness.factory())
    assert outcome.run is None
    assert outcome.locked.run_id == held.run_id
    assert harness.replica_ids("employees") == set()


def test_a_sync_runs_while_redis_is_down(harness, settings):
    """The cache (live progress) and the shared transport state are Redis's; neither is the HRMS, so a run
    with Redis down goes on: progress is best effort, the rate budget and breaker fall back to this process."""
    import socket

    from integrations.hrms.http.redis_state import RedisTransportState

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead, "KEY_PREFIX": "x"}
    }
    harness.page_employees_by(20)  # several pages: progress is published while the run pages
    factory = harness.factory()

    def on_redis_that_is_down():
        adapter = factory()
        adapter.http.state = adapter.http.limiter.state = adapter.http.breaker.state = RedisTransportState(dead)
        return adapter

    engine.COUNTS_EVERY_SECONDS, saved = 0.0, engine.COUNTS_EVERY_SECONDS
    try:
        result = sync_entity(harness.organization.pk, "employees", adapter_factory=on_redis_that_is_down)
    finally:
        engine.COUNTS_EVERY_SECONDS = saved
    assert result.status == SyncStatus.SUCCEEDED, (result.error_code, result.error_message)
    assert harness.replica_ids("employees") == harness.live_ids("employees")
