"""Celery tasks of the scheduled sync (Pattern B): the beat's dispatcher and the per-(organization, entity) run.

* `hrms.sync.dispatch` (`dispatch_due_syncs`) runs every minute from beat. It reads the schedules stored on
  each active `HRMSIntegration`, asks `schedule.due_slot` which pairs are due, and enqueues one chain per
  organization in dependency order (departments before employees, candidates before interviews). A cache
  `add` per (organization, entity, slot) makes a second beat, or a re-run of the dispatcher, enqueue
  nothing twice; the engine's lease makes a duplicate that slipped through harmless anyway. A run whose
  worker died (still `running`, lease expired) is enqueued again as a `resume` — it continues from its
  checkpoint instead of waiting for the next slot.
* `hrms.sync.entity` (`sync_entity_task`) takes ids only and re-reads everything. It calls the engine's
  synchronous `sync_entity` (which runs its own event loop: no `await` in a Celery task, DESIGN.md §7),
  retries transient HRMS failures with capped exponential backoff and full jitter, and after the last retry
  files a `DeadLetter` and stops. Acknowledged late and rejected on worker loss, so a SIGKILLed worker's
  task is delivered again; the run resumes from its last committed page.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import chain, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration

from .engine import SyncLocked, TransientSyncError, sync_entity
from .models import DeadLetter, SyncState, SyncStatus, SyncTrigger
from .pull import ENTITY_ORDER
from .schedule import DEFAULT_DAILY_SPREAD, Schedule, ScheduleError, due_slot

log = logging.getLogger("hrms.sync")

DISPATCH_TASK = "hrms.sync.dispatch"
ENTITY_TASK = "hrms.sync.entity"
GUARD_PREFIX = "hrms-sync:dispatch:v1"
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BASE_SECONDS = 30
DEFAULT_RETRY_CAP_SECONDS = 900
DEFAULT_SOFT_TIME_LIMIT_SECONDS = 3600
HARD_TIME_LIMIT_GRACE_SECONDS = 120
MIN_GUARD_SECONDS = 60


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def retry_countdown(
    retries: int, *, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds before retry number `retries + 1`: full jitter over `min(cap, base * 2**retries)`.

    Full jitter (uniform from 0) keeps many failed runs from retrying in lockstep against a recovering HRMS;
    when the HRMS said `Retry-After`, never come back sooner than that.
    """
    ceiling = min(cap, base * (2 ** max(0, retries)))
    delay = (rng or random).uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


# ---- the dispatcher ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueSync:
    """One (organization, entity) to enqueue, with the guard that keeps it from being enqueued twice."""

    organization_id: int
    entity: str
    trigger: str
    guard_key: str
    guard_seconds: int


def find_due_syncs(now: datetime) -> list[DueSync]:
    """Every enabled pair of every active integration that is due at `now`, in ENTITY_ORDER per organization."""
    last_started: dict[tuple[int, str], datetime | None] = {}
    running: set[tuple[int, str]] = set()
    crashed: dict[tuple[int, str], tuple[int, int]] = {}
    states = SyncState.objects.values_list(
        "organization_id", "entity", "last_run__started_at", "lease_owner", "lease_expires_at", "fence",
        "resume_run_id", "resume_run__status",
    )  # fmt: skip
    for org_id, entity, started, owner, expires, fence, resume_run_id, resume_status in states:
        pair = (org_id, entity)
        last_started[pair] = started
        if owner and expires is not None and expires > now:
            running.add(pair)
        elif resume_run_id is not None and resume_status == SyncStatus.RUNNING:
            crashed[pair] = (resume_run_id, fence)  # its worker died mid-run: resume from the checkpoint

    spread = timedelta(minutes=_setting("HARVEY_SYNC_DAILY_SPREAD_MINUTES", int(DEFAULT_DAILY_SPREAD.seconds / 60)))
    lease = _setting("HARVEY_SYNC_LEASE_SECONDS", 600)
    due: list[DueSync] = []
    integrations = HRMSIntegration.objects.filter(is_active=True, organization__is_active=True)
    for org_id, sync_settings in integrations.values_list("organization_id", "sync_settings"):
        integration = HRMSIntegration(organization_id=org_id, sync_settings=sync_settings)
        for entity in ENTITY_ORDER:
            pair = (org_id, entity)
            try:
                schedule = Schedule.parse(integration.sync_schedule(entity))
            except ScheduleError as e:
                log.warning("hrms.sync.bad_schedule", extra={"organization": org_id, "entity": entity, "error": str(e)})
                continue
            if not schedule.enabled or pair in running:
                continue
            if pair in crashed:
                run_id, fence = crashed[pair]
                key = f"{GUARD_PREFIX}:resume:{org_id}:{entity}:{run_id}:{fence}"
                due.append(DueSync(org_id, entity, SyncTrigger.RESUME, key, max(lease, MIN_GUARD_SECONDS)))
                continue
            slot = due_slot(schedule, org_id, last_started.get(pair), now, daily_spread=spread)
            if slot is not None:
                key = f"{GUARD_PREFIX}:{org_id}:{entity}:{slot.index}"
                ttl = int(schedule.period.total_seconds()) + MIN_GUARD_SECONDS
                due.append(DueSync(org_id, entity, SyncTrigger.SCHEDULE, key, ttl))
    return due


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_due_syncs() -> int:
    """Enqueue every due sync once; returns how many (organization, entity) runs were enqueued."""
    claimed = [item for item in find_due_syncs(timezone.now()) if cache.add(item.guard_key, 1, item.guard_seconds)]
    per_organization: dict[int, list[DueSync]] = defaultdict(list)
    for item in claimed:
        per_organization[item.organization_id].append(item)
    for org_id, items in per_organization.items():
        signatures = [sync_entity_task.si(org_id, item.entity, item.trigger) for item in items]
        try:
            (signatures[0] if len(signatures) == 1 else chain(*signatures)).delay()
        except Exception:
            # Not enqueued (broker down): release the guards so the next beat tries again.
            cache.delete_many([item.guard_key for item in items])
            raise
    if claimed:
        log.info("hrms.sync.dispatched", extra={"runs": len(claimed), "organizations": len(per_organization)})
    return len(claimed)


# ---- one run ----------------------------------------------------------------------------------------------


@shared_task(
    bind=True,
    name=ENTITY_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # counted by the task itself: the last retry files a DeadLetter instead of raising
    soft_time_limit=_setting("HARVEY_SYNC_TASK_SOFT_TIME_LIMIT", DEFAULT_SOFT_TIME_LIMIT_SECONDS),
    time_limit=_setting("HARVEY_SYNC_TASK_SOFT_TIME_LIMIT", DEFAULT_SOFT_TIME_LIMIT_SECONDS)
    + HARD_TIME_LIMIT_GRACE_SECONDS,
)
def sync_entity_task(self: Any, organization_id: int, entity: str, trigger: str = SyncTrigger.SCHEDULE) -> dict:
    """Sync one entity of one organization; quiet when there is nothing to do or a run is already going."""
    context = {"organization": organization_id, "entity": entity, "trigger": trigger}
    if entity not in ENTITY_ORDER:
        log.error("hrms.sync.unknown_entity", extra=context)
        return {"status": "skipped", "reason": "unknown_entity"}
    active = HRMSIntegration.objects.filter(
        Q(organization_id=organization_id) & Q(is_active=True) & Q(organization__is_active=True)
    ).exists()
    if not active:
        log.info("hrms.sync.skipped_inactive", extra=context)
        return {"status": "skipped", "reason": "no_active_integration"}
    try:
        run = sync_entity(organization_id, entity, trigger=trigger)
    except SyncLocked:
        log.info("hrms.sync.already_running", extra=context)
        return {"status": "skipped", "reason": "already_running"}
    except TransientSyncError as e:
        return _retry_or_dead_letter(self, organization_id, entity, e)
    return {"status": run.status, "run": run.pk}


def _retry_or_dead_letter(task: Any, organization_id: int, entity: str, error: TransientSyncError) -> dict:
    run, cause = error.run, error.cause
    retries = task.request.retries or 0
    max_retries = _setting("HARVEY_SYNC_MAX_RETRIES", DEFAULT_MAX_RETRIES)
    context = {"organization": organization_id, "entity": entity, "run": getattr(run, "pk", None)}
    code = getattr(cause, "code", "transient_error")
    if retries >= max_retries:
        DeadLetter.objects.get_or_create(
            organization_id=organization_id,
            entity=entity,
            run=run,
            defaults={"error_code": code, "error_message": str(cause)[:2000], "attempts": retries + 1},
        )
        log.error("hrms.sync.dead_lettered", extra={**context, "attempts": retries + 1, "error": code})
        return {"status": "dead_letter", "run": getattr(run, "pk", None)}
    countdown = retry_countdown(
        retries,
        base=_setting("HARVEY_SYNC_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS),
        cap=_setting("HARVEY_SYNC_RETRY_CAP_SECONDS", DEFAULT_RETRY_CAP_SECONDS),
        retry_after=getattr(cause, "retry_after", None),
    )
    log.warning("hrms.sync.retry", extra={**context, "retry": retries + 1, "countdown": round(countdown, 1)})
    if task.request.is_eager:
        # In-process (embedded, no broker): Celery's eager retry re-raises `Retry` to the caller instead of
        # running again, so run the retry here. No countdown: the caller is waiting, and the transport already
        # backed off on every request before the run gave up.
        return task.apply(args=(organization_id, entity, SyncTrigger.RETRY), retries=retries + 1).result
    raise task.retry(args=(organization_id, entity, SyncTrigger.RETRY), kwargs={}, countdown=countdown, exc=error)
