"""Redis — the broker, the cache and the shared transport state — stopped for 30 s under a running worker and
beat: both carry on by themselves afterwards, and nothing that was scheduled is lost."""

from __future__ import annotations

import time

import pytest

from harvey.organizations.models import Organization
from integrations.hrms.sync.models import SyncState

from .harness import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 30
ENTITIES = ("departments", "employees")


def synced(org) -> bool:
    return SyncState.objects.filter(organization=org, last_success_at__isnull=False).count() == len(ENTITIES)


def test_a_worker_and_beat_survive_a_redis_outage_and_run_what_came_due_meanwhile(processes, connect):
    redis = processes.redis_server()
    mock = processes.mock_hrms(employees=200, seed=21)
    first = connect(mock, entities=ENTITIES, interval=60)
    env = {"REDIS_URL": redis.url, "HARVEY_SYNC_DISPATCH_SECONDS": "2"}
    worker = processes.harvey("worker", "--concurrency", "1", **env)
    beat = processes.harvey("beat", "--schedule", str(processes.log_dir / "beat-schedule"), **env)
    wait_until(lambda: synced(first), timeout=90, what="the first organization's first sync")

    redis.kill()  # the broker, the cache and the transport state go away at once
    later = connect(mock, entities=ENTITIES, interval=60, org=Organization.objects.create(name="Later", slug="later"))
    time.sleep(OUTAGE_SECONDS)  # due now, but nothing can be enqueued
    assert worker.alive(), worker.tail()
    assert beat.alive(), beat.tail()
    redis.start()  # empty, as a Redis without persistence comes back

    wait_until(lambda: synced(later), timeout=90, what="the run that came due during the outage")
    log = worker.output()
    assert "Unrecoverable error" not in log
    assert "harvey.supervisor.restarting" not in log, "the worker died and had to be restarted"
    assert "harvey.supervisor.restarting" not in beat.output()
