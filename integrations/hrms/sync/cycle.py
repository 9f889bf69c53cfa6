"""A cycle: one run of every entity of every active organization, due or not (`harvey sync --all`).

The cycle is enqueued to the workers like the schedule's chains — one chain per organization, in dependency
order — tagged with a cycle id that every run of it carries (`SyncRun.cycle`). A pair of the cycle is done
when its latest run of the cycle has finished and will not be retried (`retry_at` unset): a success, a
permanent failure, a dead letter, or a run that never got the lease (recorded as failed, `lease_held`).
Progress and the figures at the end come from those rows alone, so the command can be run from any host.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration
from hrmodel import catalogue

from .models import SyncRun, SyncStatus, SyncTrigger


@dataclass(frozen=True)
class Cycle:
    id: str
    started_at: dt.datetime
    pairs: int
    organizations: int


@dataclass
class CycleReport:
    cycle: Cycle
    done: int
    wall_seconds: float
    records: int = 0
    run_seconds: list[float] = field(default_factory=list)
    failed: list[SyncRun] = field(default_factory=list)

    @property
    def runs_per_second(self) -> float:
        return self.done / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def mean_run_seconds(self) -> float:
        return sum(self.run_seconds) / len(self.run_seconds) if self.run_seconds else 0.0

    @property
    def p95_run_seconds(self) -> float:
        if not self.run_seconds:
            return 0.0
        ordered = sorted(self.run_seconds)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def start_cycle(*, entities: Sequence[str] | None = None, full: bool = False, wait: float = 0.0) -> Cycle:
    """Enqueue a chain per active organization: its enabled entities (or those of `entities`), in order."""
    from .tasks import sync_chain_task

    started = timezone.now()
    cycle = uuid.uuid4().hex[:16]
    pairs = organizations = 0
    integrations = HRMSIntegration.objects.filter(is_active=True, organization__is_active=True)
    for org_id, sync_settings in integrations.order_by("organization_id").values_list(
        "organization_id", "sync_settings"
    ):
        integration = HRMSIntegration(organization_id=org_id, sync_settings=sync_settings)
        chain = [
            entity
            for entity in catalogue.NAMES
            if (not entities or entity in entities) and integration.sync_schedule(entity).get("enabled", True)
        ]
        if not chain:
            continue
        pairs += len(chain)
        organizations += 1
        options = {"cycle": cycle, "not_before": started.isoformat(), "full": full, "wait": wait}
        sync_chain_task.apply_async((org_id, chain, SyncTrigger.MANUAL), options)
    return Cycle(id=cycle, started_at=started, pairs=pairs, organizations=organizations)


def _final_runs(cycle: Cycle):
    return SyncRun.objects.filter(cycle=cycle.id, finished_at__isnull=False, retry_at__isnull=True)


def pairs_done(cycle: Cycle) -> tuple[int, int]:
    """(pairs done, records fetched by the cycle's runs so far)."""
    done = _final_runs(cycle).values("organization_id", "entity").distinct().count()
    fetched = SyncRun.objects.filter(cycle=cycle.id).aggregate(total=Sum("fetched"))["total"] or 0
    return done, fetched


def report(cycle: Cycle, *, now: dt.datetime | None = None) -> CycleReport:
    """The cycle's figures from its runs: wall time to its last finish, rates, cost per run, failures."""
    rows = list(
        SyncRun.objects.filter(cycle=cycle.id, finished_at__isnull=False).only(
            "organization_id", "entity", "status", "started_at", "finished_at", "fetched", "retry_at",
            "error_code", "error_message",
        )
    )  # fmt: skip
    final = [row for row in rows if row.retry_at is None]
    last = max((row.finished_at for row in final), default=now or timezone.now())
    result = CycleReport(
        cycle=cycle,
        done=len({(row.organization_id, row.entity) for row in final}),
        wall_seconds=max((last - cycle.started_at).total_seconds(), 0.0),
        records=sum(row.fetched for row in rows),
    )
    result.run_seconds = [
        (row.finished_at - row.started_at).total_seconds() for row in rows if row.error_code != "lease_held"
    ]
    result.failed = [row for row in final if row.status == SyncStatus.FAILED]
    return result
