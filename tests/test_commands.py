"""The `harvey` commands a newcomer and an HR admin run: demo, pull, sync, sync-status."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from harvey.replica.models import Employee
from integrations.hrms.sync.models import SyncRun, SyncStatus
from mock_hrms.api.settings import MockSettings
from mock_hrms.api.testing import LiveMockHRMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_hrms():
    with LiveMockHRMS(MockSettings(seed=5, employees=80)) as server:
        yield server


@pytest.fixture
def connected(live_hrms):
    call_command(
        "connect",
        org="acme",
        hrms_type="mock",
        base_url=live_hrms.base_url,
        token="mock-hrms-token-12345",
        allow_private_network=True,
        stdout=io.StringIO(),
    )
    return live_hrms


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_demo_pulls_everything_and_the_counts_match_the_hrms():
    output = run("demo", employees=60, seed=3)
    assert "Demo finished" in output
    assert " NO " not in output
    assert "Incremental sync" in output


def test_demo_can_run_twice():
    run("demo", employees=40, seed=3)
    assert "Demo finished" in run("demo", employees=40, seed=3)


def test_pull_copies_every_employee_over_real_http(connected):
    output = run("pull", org="acme")
    world = connected.app.state.world
    assert Employee.objects.filter(organization__slug="acme").count() == len(world.tables["employees"])
    assert "employees" in output


def test_sync_then_sync_status_show_healthy_entities(connected):
    run("sync", org="acme", entity=["departments", "employees"])
    assert SyncRun.objects.filter(entity="employees", status=SyncStatus.SUCCEEDED).count() == 1
    status = run("sync_status", org="acme")
    assert "healthy" in status
    assert "never synced" in status  # the entities not synced yet say so


def test_sync_of_an_unknown_organization_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organization"):
        run("sync", org="nope")


def test_test_connection_says_ok_for_good_credentials(connected):
    assert "OK" in run("test_connection", org="acme")


def test_test_connection_explains_bad_credentials(live_hrms):
    from django.core.management.base import CommandError

    call_command(
        "connect",
        org="acme",
        hrms_type="mock",
        base_url=live_hrms.base_url,
        token="wrong-token",
        allow_private_network=True,
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="mock at"):
        run("test_connection", org="acme")
