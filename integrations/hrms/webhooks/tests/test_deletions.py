"""A deletion webhook is a hint, confirmed with the HRMS before anything is deleted, and its own timestamp is
never stored: a signed, future-dated deletion of an employee who still exists must not hide them from every
later sync (issue 9, item 4)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from harvey.replica.models import Employee
from integrations.hrms.adapters.bamboohr.tests.conftest import control, delete_an_employee
from integrations.hrms.sync.engine import sync_entity
from integrations.hrms.webhooks.models import WebhookEvent

from .deliveries import CREDENTIALS, deliver, event, simulator_adapter

FUTURE = "2099-01-01T00:00:00+0000"
pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(sim, integration):
    """Run one employees sync of the organization against the simulator, as the scheduler would."""

    def run(*, full: bool = False):
        finished = sync_entity(
            integration.organization_id,
            "employees",
            full=full,
            adapter_factory=lambda: simulator_adapter(sim, CREDENTIALS, key="sync"),
        )
        assert finished.status == "succeeded", finished.error_message
        return finished

    return run


def deleted(client, employee_id: str, applied, *, stamp: str | None = None) -> WebhookEvent:
    with applied(execute=True):
        assert deliver(client, event(employee_id, kind="employee.deleted", stamp=stamp)).status_code == 202
    return WebhookEvent.objects.get()


def test_a_deletion_of_an_employee_who_still_exists_deletes_nothing(client, sim, synced, applied_through_simulator):
    synced(full=True)
    async_to_sync(control)(sim, "PATCH", "/_control/employees/EMP00010", json={"job_title": "Chief Tea Officer"})
    stored = deleted(client, "10", applied_through_simulator, stamp=FUTURE)
    assert stored.status == "applied"
    assert Employee.objects.get(external_id="10").job_title == "Chief Tea Officer"  # the current record


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_after_a_future_dated_deletion_the_next_sync_shows_the_employee_current(
    client, sim, synced, applied_through_simulator, full
):
    synced(full=True)
    deleted(client, "10", applied_through_simulator, stamp=FUTURE)
    async_to_sync(control)(sim, "PATCH", "/_control/employees/EMP00010", json={"job_title": "Head of Biscuits"})
    synced(full=full)
    row = Employee.objects.get(external_id="10")
    assert row.job_title == "Head of Biscuits"


def test_a_deletion_of_a_terminated_employee_keeps_them_as_the_sync_does(
    client, sim, synced, applied_through_simulator
):
    """Terminated is a status of a record the HRMS still has, not a deletion: the replica keeps it either way."""
    synced(full=True)
    terminated = {"employment_status": "terminated"}
    async_to_sync(control)(sim, "PATCH", "/_control/employees/EMP00010", json=terminated)
    deleted(client, "10", applied_through_simulator)
    assert Employee.objects.get(external_id="10").employment_status == "terminated"
    synced(full=True)
    assert Employee.objects.get(external_id="10").employment_status == "terminated"


def test_a_deletion_of_an_employee_gone_at_the_hrms_soft_deletes_them(client, sim, synced, applied_through_simulator):
    synced(full=True)
    gone = async_to_sync(delete_an_employee)(sim)
    deleted(client, gone, applied_through_simulator)
    assert Employee.all_objects.get(external_id=gone).deleted_at is not None
    assert not Employee.objects.filter(external_id=gone).exists()


def test_a_deletion_is_never_stamped_later_than_it_was_received(client, sim, synced, applied_through_simulator):
    synced(full=True)
    gone = async_to_sync(delete_an_employee)(sim)
    stored = deleted(client, gone, applied_through_simulator, stamp=FUTURE)
    assert Employee.all_objects.get(external_id=gone).source_updated_at <= stored.received_at
