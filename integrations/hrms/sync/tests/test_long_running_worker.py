"""A worker runs for weeks: hundreds of chains in one process leave no context variable, thread, file
descriptor, Redis connection or memory behind (issue: a no-change run grew from 36 to 111 ms over a 7,000-run
cycle, and Redis ran out of clients after 2,400 runs).

The chains go through `sync_chain_task` in-process — the code a Celery worker runs for each message —
against a mock HRMS over real HTTP, with the transport state the deployment configures (Redis in CI).
"""

from __future__ import annotations

import contextvars
import gc
import os
import threading
import tracemalloc

import pytest

from hrmodel.catalogue import NAMES as ENTITY_ORDER
from integrations.hrms.http.redis_state import client_name
from integrations.hrms.sync.models import SyncRun, SyncStatus
from integrations.hrms.sync.tasks import sync_chain_task
from mock_hrms.api.settings import MockSettings
from mock_hrms.api.testing import LiveMockHRMS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WARM_UP_CHAINS = 4
CHAINS = 24  # x 7 entities = 168 runs
MEMORY_GROWTH_LIMIT = 2 * 1024 * 1024


def _redis_connections() -> int:
    import redis
    from django.conf import settings

    url = os.environ.get("REDIS_URL") or getattr(settings, "REDIS_URL", None)
    if not url:
        return 0
    return sum(1 for client in redis.Redis.from_url(url).client_list() if client.get("name") == client_name())


def resources() -> dict[str, int]:
    gc.collect()
    return {
        "context variables": len(contextvars.copy_context()),
        # The mock HRMS serving this test runs in this process too; its server pool (AnyIO's worker threads)
        # grows on demand and is not Harvey's.
        "threads": sorted(t.name for t in threading.enumerate() if not t.name.startswith("AnyIO worker")),
        "file descriptors": len(os.listdir("/proc/self/fd")),
        "transport connections to Redis": _redis_connections(),
    }


def test_hundreds_of_runs_in_one_process_cost_the_same_and_leave_nothing_behind(organization, make_integration):
    with LiveMockHRMS(MockSettings(seed=8, employees=60)) as hrms:
        make_integration(organization, base_url=hrms.base_url, credentials={"token": hrms.settings.token})

        def chains(count: int) -> None:
            for _ in range(count):
                sync_chain_task.apply(args=(organization.pk, list(ENTITY_ORDER), "manual"))

        chains(WARM_UP_CHAINS)  # the first sync, and whatever a process sets up once
        before = resources()
        tracemalloc.start()
        chains(CHAINS)
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        after = resources()
    assert after == before
    assert retained < MEMORY_GROWTH_LIMIT, f"{retained / 1e6:.1f} MB retained by {CHAINS * 7} runs"
    runs = SyncRun.objects.filter(organization=organization)
    assert runs.count() == (WARM_UP_CHAINS + CHAINS) * len(ENTITY_ORDER)
    assert set(runs.values_list("status", flat=True)) == {SyncStatus.SUCCEEDED}
