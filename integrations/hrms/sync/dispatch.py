"""The beat's dispatcher: which (organization, entity) pairs are due now, and one chain per organization.

Every minute (`hrms.sync.dispatch`, on a queue of its own so it never waits behind the sync runs) the
dispatcher reads the schedules stored on each active `HRMSIntegration`, asks `schedule.due_slot` which pairs
are due, claims each (organization, entity, slot) once (chains.py), and enqueues one chain per
organization in dependency order (departments before employees, candidates before interviews). Two more
cases are enqueued:

* a run whose worker died (still `running`, lease expired) is due at once: its chain resumes it from the
  last committed page instead of waiting for the next slot;
* a chain whose worker died (picked up, not waiting for a retry, and its organization silent for longer than
  a lease) has what it had left enqueued again — so the death of a worker never strands the rest of an
  organization's chain until the next slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration
from hrmodel import catalogue

from . import chains
from .models import SyncState, SyncStatus, SyncTrigger
from .schedule import DEFAULT_DAILY_SPREAD, Schedule, ScheduleError, due_slot

log = logging.getLogger("hrms.sync")

MIN_GUARD_SECONDS = 60


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class DueSync:
    """One (organization, entity) to enqueue, with the claim that keeps it from being enqueued twice."""

    organization_id: int
    entity: str
    trigger: str
    guard_key: str
    guard_seconds: int


def find_due_syncs(now: dt.datetime) -> list[DueSync]:
    """Every enabled pair of every active integration that is due at `now`, in catalogue.NAMES per organization."""
    last_started: dict[tuple[int, str], dt.datetime | None] = {}
    running: set[tuple[int, str]] = set()
    crashed: dict[tuple[int, str], tuple[int, int]] = {}
    states = SyncState.objects.values_list(
        "organization_id", "entity", "last_started_at", "lease_owner", "lease_expires_at", "fence",
        "resume_run_id", "resume_run__status",
    )  # fmt: skip
    for org_id, entity, started, owner, expires, fence, resume_run_id, resume_status in states:
        pair = (org_id, entity)
        last_started[pair] = started
        if owner and expires is not None and expires > now:
            running.add(pair)
        elif resume_run_id is not None and resume_status == SyncStatus.RUNNING:
            crashed[pair] = (resume_run_id, fence)  # its worker died mid-run: resume from the checkpoint

    spread = dt.timedelta(minutes=_setting("HARVEY_SYNC_DAILY_SPREAD_MINUTES", int(DEFAULT_DAILY_SPREAD.seconds / 60)))
    lease = _setting("HARVEY_SYNC_LEASE_SECONDS", 30)
    due: list[DueSync] = []
    integrations = HRMSIntegration.objects.filter(is_active=True, organization__is_active=True)
    for org_id, sync_settings in integrations.values_list("organization_id", "sync_settings"):
        integration = HRMSIntegration(organization_id=org_id, sync_settings=sync_settings)
        for entity in catalogue.NAMES:
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
                key = chains.claim_key("resume", org_id, entity, run_id, fence)
                due.append(DueSync(org_id, entity, SyncTrigger.RESUME, key, max(lease, MIN_GUARD_SECONDS)))
                continue
            slot = due_slot(schedule, org_id, last_started.get(pair), now, daily_spread=spread)
            if slot is not None:
                key = chains.claim_key(org_id, entity, slot.index)
                ttl = int(schedule.period.total_seconds()) + MIN_GUARD_SECONDS
                due.append(DueSync(org_id, entity, SyncTrigger.SCHEDULE, key, ttl))
    return due


def dispatch(now: dt.datetime | None = None) -> int:
    """Enqueue every due pair once, one chain per organization; returns how many pairs were enqueued."""
    now = now or timezone.now()
    per_organization: dict[int, list[DueSync]] = defaultdict(list)
    for item in find_due_syncs(now):
        per_organization[item.organization_id].append(item)
    chain_of: dict[int, str] = {}
    claimed: dict[int, list[DueSync]] = {}
    held: dict[int, list[DueSync]] = {}
    for org_id, items in per_organization.items():
        chain_of[org_id] = chains.new_chain_id()
        claimed[org_id] = [item for item in items if chains.claim(item.guard_key, chain_of[org_id], item.guard_seconds)]
        if len(claimed[org_id]) < len(items):
            held[org_id] = [item for item in items if item not in claimed[org_id]]
    for org_id, dead in _dead_chains_items(held, now).items():
        chains.transfer([item.guard_key for item in dead], chain_of[org_id], max(item.guard_seconds for item in dead))
        log.warning(
            "hrms.sync.chain_revived",
            extra={
                "organization": org_id,
                "entities": ",".join(item.entity for item in dead),
                "chain": chain_of[org_id],
            },
        )
        claimed[org_id] = sorted([*claimed[org_id], *dead], key=lambda item: catalogue.NAMES.index(item.entity))
    enqueued = sum(enqueue_chain(org_id, items, chain_of[org_id], now) for org_id, items in claimed.items())
    if enqueued:
        log.info("hrms.sync.dispatched", extra={"runs": enqueued, "organizations": len(per_organization)})
    return enqueued


def enqueue_chain(organization_id: int, items: list[DueSync], chain: str, now: dt.datetime) -> int:
    """One message for the organization's due pairs; the claims are given back if it cannot be sent."""
    if not items:
        return 0
    from .tasks import sync_chain_task

    keys = [item.guard_key for item in items]
    try:
        sync_chain_task.apply_async(
            (organization_id, [item.entity for item in items], SyncTrigger.SCHEDULE),
            {"chain": chain, "not_before": now.isoformat(), "claims": keys},
        )
    except Exception:
        chains.release(keys)  # not enqueued (broker down): the next beat tries again
        raise
    return len(items)


def _dead_chains_items(held: dict[int, list[DueSync]], now: dt.datetime) -> dict[int, list[DueSync]]:
    """Of the due pairs another chain holds, those whose chain's worker died with them still to do: the chain
    was picked up, is not waiting for a retry, and its organization has been silent (no lease held, no
    heartbeat) for two lease periods. A chain still queued (no marker) or alive is left alone."""
    if not held:
        return {}
    claimed = chains.claims(item.guard_key for items in held.values() for item in items)
    markers = chains.markers({claim["chain"] for claim in claimed.values()})
    silent_since = time.time() - 2 * _setting("HARVEY_SYNC_LEASE_SECONDS", 30)
    signs = _last_signs_of_life(list(held), now)
    dead: dict[int, list[DueSync]] = {}
    for org_id, items in held.items():
        for item in items:
            claim = claimed.get(item.guard_key)
            marker = markers.get(claim["chain"]) if claim else None
            if marker is None or marker["waiting_until"] > time.time():
                continue  # still queued (or its claim just expired: the next beat claims it), or waiting
            if max(marker["at"], signs.get(org_id, 0.0)) > silent_since:
                continue
            dead.setdefault(org_id, []).append(item)
    return dead


def _last_signs_of_life(organization_ids: list[int], now: dt.datetime) -> dict[int, float]:
    """organization -> the epoch seconds of its latest heartbeat, or +inf while one of its leases is held."""
    rows = (
        SyncState.objects.filter(organization_id__in=organization_ids)
        .values("organization_id")
        .annotate(beat=Max("heartbeat_at"), lease=Max("lease_expires_at"))
    )
    signs = {}
    for row in rows:
        if row["lease"] is not None and row["lease"] > now:
            signs[row["organization_id"]] = float("inf")
        elif row["beat"] is not None:
            signs[row["organization_id"]] = row["beat"].timestamp()
    return signs
