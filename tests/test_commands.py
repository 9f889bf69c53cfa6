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


def test_sync_status_shows_each_integrations_rate_budget(connected):
    call_command("connect", org="acme", hrms_type="mock", base_url=connected.base_url, rate_limit=250, burst=40,
                 allow_private_network=True, stdout=io.StringIO())  # fmt: skip
    assert "250 requests/s, burst 40" in run("sync_status", org="acme")


def test_sync_status_of_an_unknown_organization_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organization with slug 'nosuch'") as raised:
        run("sync_status", org="nosuch")
    assert raised.value.returncode == 2


def test_a_sync_of_an_entity_another_run_holds_names_it_and_exits_3(connected):
    from django.core.management.base import CommandError

    from harvey.organizations.models import Organization
    from integrations.hrms.sync import ledger

    organization = Organization.objects.get(slug="acme")
    ledger.begin_run(organization.pk, "employees", trigger="manual", full=False)
    with pytest.raises(CommandError, match="not synced") as raised:
        run("sync", org="acme", entity=["employees"])
    assert raised.value.returncode == 3


def test_a_sync_that_found_the_lease_held_prints_who_holds_it(connected, capsys, in_process_cli):
    from harvey import cli
    from harvey.organizations.models import Organization
    from integrations.hrms.sync import ledger

    organization = Organization.objects.get(slug="acme")
    held = ledger.begin_run(organization.pk, "employees", trigger="manual", full=False)
    with pytest.raises(SystemExit) as raised:
        cli.main(["sync", "--org", "acme", "--entity", "employees"])
    assert raised.value.code == 3
    printed = capsys.readouterr().out
    assert f"run {held.run_id}" in printed
    assert "last heartbeat" in printed


def test_sync_all_runs_every_entity_of_every_organization_and_prints_the_cycle(connected, celery_eager):
    output = run("sync", all=True)
    assert SyncRun.objects.exclude(cycle="").count() == 7
    assert "runs/s" in output
    assert "p95 run" in output
    assert "7 of 7" in output
