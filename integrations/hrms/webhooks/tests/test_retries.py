"""No webhook event stays unapplied forever (issue 9, item 5): storing and answering never depend on applying,
a redelivery or the periodic task re-enqueues a pending event, and exhausted retries end as a dead letter."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.utils import timezone

from harvey.celery import app
from harvey.replica.models import Employee
from integrations.hrms.webhooks import apply as apply_module
from integrations.hrms.webhooks import tasks
from integrations.hrms.webhooks.models import WebhookEvent
from mock_hrms.api.faults import FaultConfig, FaultRule

from .deliveries import CREDENTIALS, HOST, deliver, event, post, signed

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


def hrms_fails(sim) -> None:
    """Every BambooHR API request answers 500 (transient) until `hrms_recovers`."""
    sim.state.faults.configure(FaultConfig(rules=[FaultRule(path="/api/", error_rate=1.0, error_status=500)]))


def hrms_recovers(sim) -> None:
    sim.state.faults.clear()


def stored() -> WebhookEvent:
    return WebhookEvent.objects.get()


def stuck_for(seconds: float) -> None:
    """Pretend the (one) stored event was last enqueued `seconds` ago."""
    WebhookEvent.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=seconds))


@pytest.mark.django_db(transaction=True)
def test_a_transient_hrms_error_during_an_eager_apply_still_answers_202(sim, integration, through_simulator):
    """Committed for real, so the enqueue runs inside the request, as in the in-process mode."""
    hrms_fails(sim)
    response = deliver(Client(raise_request_exception=False), event("10"))
    assert (response.status_code, response.json()["status"]) == (202, "accepted")
    assert (stored().status, stored().attempts) == (Status.RETRYING, 1)
    assert stored().error.startswith("unavailable")


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_during_an_eager_apply_still_answers_202(integration, through_simulator, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the apply step")

    monkeypatch.setattr(tasks, "apply_event", broken)
    response = deliver(Client(raise_request_exception=False), event("10"))
    assert response.status_code == 202
    assert stored().status == Status.RECEIVED  # left for the periodic task


def test_an_untyped_error_of_an_attempt_is_recorded_and_left_for_a_retry(
    client, integration, applied_through_simulator, monkeypatch
):
    def lost(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(apply_module.ReplicaWriter, "upsert_records", lost)
    with applied_through_simulator(execute=True):
        assert deliver(client, event("10")).status_code == 202
    assert (stored().status, stored().error) == (Status.RETRYING, "internal_error: ConnectionError")


def test_a_redelivery_of_an_event_not_yet_applied_applies_it(client, sim, integration, applied_through_simulator):
    body = event("10")
    headers = signed(body)
    hrms_fails(sim)
    with applied_through_simulator(execute=True):
        assert post(client, body, headers).status_code == 202
    hrms_recovers(sim)
    with applied_through_simulator(execute=True):
        again = post(client, body, headers)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert stored().status == Status.APPLIED
    assert Employee.objects.filter(external_id="10").exists()


def test_a_redelivery_of_an_applied_event_enqueues_nothing(client, integration, applied_through_simulator):
    body = event("10")
    headers = signed(body)
    with applied_through_simulator(execute=True):
        post(client, body, headers)
    with applied_through_simulator(execute=False) as callbacks:
        assert post(client, body, headers).json()["status"] == "duplicate"
    assert callbacks == []
    assert stored().attempts == 1


def test_the_periodic_task_re_enqueues_an_event_stuck_past_the_deadline(
    client, integration, applied_through_simulator, settings
):
    settings.HARVEY_WEBHOOK_STUCK_SECONDS = 600
    with applied_through_simulator(execute=False):  # stored; the enqueue is lost (a broker outage)
        deliver(client, event("10"))
    stuck_for(601)
    assert tasks.requeue_stuck_events() == 1
    assert stored().status == Status.APPLIED


def test_the_periodic_task_leaves_an_event_inside_the_deadline_alone(
    client, integration, applied_through_simulator, settings
):
    settings.HARVEY_WEBHOOK_STUCK_SECONDS = 600
    with applied_through_simulator(execute=False):
        deliver(client, event("10"))
    stuck_for(599)
    assert tasks.requeue_stuck_events() == 0
    assert (stored().status, stored().attempts) == (Status.RECEIVED, 0)


def test_exhausted_retries_end_as_a_dead_letter_with_the_error_and_attempts(
    client, sim, integration, applied_through_simulator, settings
):
    settings.HARVEY_WEBHOOK_MAX_RETRIES = 1
    hrms_fails(sim)
    with applied_through_simulator(execute=True):
        deliver(client, event("10"))
    assert stored().status == Status.RETRYING
    stuck_for(3600)
    tasks.requeue_stuck_events()
    dead = stored()
    assert (dead.status, dead.attempts) == (Status.DEAD_LETTER, 2)
    assert dead.error.startswith("unavailable")
    assert dead.processed_at is not None


def test_the_admin_finds_dead_letters_with_their_error(
    admin_client, client, sim, integration, applied_through_simulator, settings
):
    settings.HARVEY_WEBHOOK_MAX_RETRIES = 0
    hrms_fails(sim)
    with applied_through_simulator(execute=True):
        deliver(client, event("10"))
    page = admin_client.get("/admin/hrms_webhooks/webhookevent/", {"status__exact": "dead_letter"})
    assert page.status_code == 200
    assert b"Dead letter" in page.content
    assert b"unavailable: GET /employees/10" in page.content


def test_a_dead_letter_is_final(client, sim, integration, applied_through_simulator, settings):
    settings.HARVEY_WEBHOOK_MAX_RETRIES = 0
    hrms_fails(sim)
    body = event("10")
    headers = signed(body)
    with applied_through_simulator(execute=True):
        post(client, body, headers)
    hrms_recovers(sim)
    stuck_for(3600)
    with applied_through_simulator(execute=True):
        post(client, body, headers)
    assert tasks.requeue_stuck_events() == 0
    assert (stored().status, stored().attempts) == (Status.DEAD_LETTER, 1)


def test_an_apply_that_keeps_crashing_ends_as_a_dead_letter(client, integration, applied_through_simulator, settings):
    """Attempts are counted before the work, so even an attempt that never returns (a killed worker, a bug
    outside the typed errors) counts toward the dead letter."""
    settings.HARVEY_WEBHOOK_MAX_RETRIES = 2
    with applied_through_simulator(execute=False):
        deliver(client, event("10"))
    WebhookEvent.objects.update(attempts=3)  # three attempts that died without a word
    stuck_for(3600)
    tasks.requeue_stuck_events()
    assert (stored().status, stored().attempts) == (Status.DEAD_LETTER, 3)


def test_a_permanent_hrms_error_is_never_retried(client, organization, make_integration, applied_through_simulator):
    revoked = {**CREDENTIALS, "api_key": "revoked"}
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=revoked)
    with applied_through_simulator(execute=True):
        deliver(client, event("10"))
    assert (stored().status, stored().attempts) == (Status.FAILED, 1)
    stuck_for(3600)
    assert tasks.requeue_stuck_events() == 0


def test_in_a_worker_a_transient_error_schedules_a_celery_retry(sim, integration, through_simulator, monkeypatch):
    """With a broker the task retries itself with backoff (the eager mode leaves it to the periodic task)."""
    event_row = WebhookEvent.objects.create(
        organization_id=integration.organization_id, integration=integration, hrms_type="bamboohr",
        event_id="e1", event_type="employee.updated",
        payload={"type": "employee.updated", "data": {"employeeId": "10"}},
    )  # fmt: skip
    hrms_fails(sim)
    scheduled = {}

    def retry(**kwargs):
        scheduled.update(kwargs)
        return Retry("scheduled", when=kwargs.get("countdown"))

    monkeypatch.setattr(tasks.apply_webhook_event, "retry", retry)
    tasks.apply_webhook_event.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retry):
            tasks.apply_webhook_event.run(event_row.pk)
    finally:
        tasks.apply_webhook_event.pop_request()
    assert 0 <= scheduled["countdown"] <= tasks.RETRY_CAP_SECONDS
    assert stored().status == Status.RETRYING


def test_beat_runs_the_periodic_task():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert tasks.REQUEUE_TASK in entries
    assert tasks.REQUEUE_TASK in app.tasks
