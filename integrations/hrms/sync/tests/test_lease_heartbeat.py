"""The lease of a live run is kept by its heartbeat however long a page takes; a dead run's lapses at once.

These tests commit (`transaction=True`): the heartbeat renews the lease from a thread of its own, on its own
database connection, as it does in a worker.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from integrations.hrms.sync import engine, ledger
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_lease(settings):
    settings.HARVEY_SYNC_LEASE_SECONDS = 2
    settings.HARVEY_SYNC_HEARTBEAT_SECONDS = 0.3


def test_a_run_slower_than_its_lease_keeps_the_lease(harness, short_lease):
    harness.page_employees_by(20)
    slow = harness.adapter_class

    class SlowPages(slow):  # each page takes a while: the run outlives its lease several times
        def iter_employees(self, **kw):
            async def pages():
                async for page in slow.iter_employees(self, **kw):
                    await asyncio.sleep(0.6)
                    yield page

            return pages()

    harness.adapter_class = SlowPages
    stolen: list[object] = []

    def try_to_steal() -> None:
        time.sleep(3)  # past the 2 s lease
        try:
            ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
            stolen.append("taken")
        except ledger.SyncLocked as e:
            stolen.append(e.holder)
        finally:
            from django.db import connections

            connections.close_all()

    thief = threading.Thread(target=try_to_steal)
    thief.start()
    result = engine.sync_entity(harness.organization.pk, "employees", adapter_factory=harness.factory())
    thief.join()
    assert result.status == SyncStatus.SUCCEEDED
    assert (result.finished_at - result.started_at).total_seconds() > 3
    assert len(stolen) == 1
    assert stolen[0] != "taken", "a live run lost its lease to a second run"
    assert stolen[0].heartbeat_at > result.started_at  # renewed by the heartbeat, not only by commits


def test_a_dead_runs_lease_frees_within_the_lease_period(harness, short_lease):
    dead = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    with pytest.raises(ledger.SyncLocked):
        ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    time.sleep(2.2)
    taken = ledger.begin_run(harness.organization.pk, "employees", trigger="manual", full=False)
    assert taken.fence == dead.fence + 1
    state = SyncState.objects.get(pk=taken.state_id)
    assert state.lease_host == ledger.HOST
    assert SyncRun.objects.filter(pk=dead.run_id).exists()
