"""Two workers and beat against 100 organizations: one committing run per pair at a time, everyone fresh."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from harvey.organizations.models import Organization
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus
from integrations.hrms.sync.tasks import sync_entity_task

from .harness import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ORGANIZATIONS = 100
MOCK_SERVERS = 4
ENTITIES = ("departments", "employees")
INTERVAL = timedelta(minutes=1)
DISPATCH_SECONDS = "3"
TICK_SLACK = timedelta(seconds=12)  # a 3 s beat tick plus a short queue and the run itself


def test_two_workers_and_beat_keep_100_organizations_fresh_with_one_run_per_pair_at_a_time(processes, connect, queue):
    mocks = [processes.mock_hrms(employees=40, seed=100 + n) for n in range(MOCK_SERVERS)]
    orgs = [
        connect(mocks[n % MOCK_SERVERS], entities=ENTITIES, interval=1, org=_organization(n))
        for n in range(ORGANIZATIONS)
    ]
    env = {"HARVEY_SYNC_DISPATCH_SECONDS": DISPATCH_SECONDS, "HARVEY_SYNC_LEASE_SECONDS": "30"}
    processes.worker(**env)
    processes.worker(**env)
    processes.beat(**env)
    processes.beat(**env)  # a second beat by mistake: the dispatcher's guard makes it harmless
    for org in orgs[:20]:  # and duplicate manual triggers racing the schedule for the same pairs
        for entity in ENTITIES:
            sync_entity_task.apply_async((org.pk, entity, "manual"), queue=queue)

    wait_until(
        lambda: SyncState.objects.filter(last_success_at__isnull=False).count() == ORGANIZATIONS * len(ENTITIES),
        timeout=60,
        what="every organization's first sync",
    )
    time.sleep((INTERVAL + TICK_SLACK).total_seconds() + 3)  # every pair's next slot has come and gone

    now = timezone.now()
    slack = timedelta(seconds=30)  # beat tick, queueing behind 200 runs on two workers, the run itself
    stale = SyncState.objects.filter(last_success_at__lt=now - INTERVAL - slack).values_list("organization", "entity")
    assert list(stale) == []
    runs_per_pair = defaultdict(list)
    for run in SyncRun.objects.order_by("started_at"):
        runs_per_pair[(run.organization_id, run.entity)].append(run)
    assert len(runs_per_pair) == ORGANIZATIONS * len(ENTITIES)
    due_again = [runs for runs in runs_per_pair.values() if now - runs[0].started_at > INTERVAL + TICK_SLACK]
    assert due_again, "the window must be long enough for pairs to come due again"
    assert all(len(runs) >= 2 for runs in due_again), "a pair synced once ran again on its schedule"
    for pair, runs in runs_per_pair.items():
        fences = [run.fence for run in runs]
        assert fences == sorted(set(fences)), f"fences of {pair} must strictly increase: {fences}"
        committing = [run for run in runs if run.status != SyncStatus.FAILED or run.pages]
        for earlier, later in itertools.pairwise(committing):
            assert earlier.finished_at is not None
            assert earlier.finished_at <= later.started_at, f"two runs of {pair} overlapped"
    # Spreading: the scheduled (not first) runs of different organizations start at different seconds.
    scheduled = SyncRun.objects.filter(trigger="schedule", entity="employees").exclude(
        pk__in=[runs[0].pk for runs in runs_per_pair.values()]
    )
    assert len({run.started_at.second for run in scheduled}) > 10


def _organization(n: int) -> Organization:
    return Organization.objects.create(name=f"Org {n:03}", slug=f"org-{n:03}")
