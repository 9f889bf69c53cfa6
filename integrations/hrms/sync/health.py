"""Sync health per (organization, entity): the seed's monitoring view, computed from the database.

healthy — the last run succeeded within its interval; stale — no success for longer than two intervals;
failing — the latest run failed (with its reason); degraded / partial — the latest run finished but data
quality dropped or records were quarantined; running; never synced. Live progress comes from the cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from harvey.organizations.models import HRMSIntegration
from hrmodel import catalogue

from . import progress
from .models import SyncRun, SyncState, SyncStatus

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class EntityHealth:
    organization: str
    entity: str
    health: str  # healthy | stale | failing | degraded | partial | running | never synced | disabled
    last_success_at: dt.datetime | None
    last_run: SyncRun | None
    interval_minutes: int
    detail: str = ""
    #: The schedule as people say it: "every 120 min", "daily at 01:00".
    every: str = ""

    @property
    def freshness(self) -> str:
        if self.last_success_at is None:
            return "never"
        return _ago(timezone.now() - self.last_success_at)


def interval_minutes(schedule: dict) -> int:
    return int(schedule.get("interval_minutes") or DAY_MINUTES)


def describe_schedule(schedule: dict) -> str:
    if schedule.get("daily_at"):
        return f"daily at {schedule['daily_at']}"
    return f"every {interval_minutes(schedule)} min"


def organization_health(integration: HRMSIntegration) -> list[EntityHealth]:
    states = {s.entity: s for s in SyncState.objects.filter(organization=integration.organization)}
    runs = {
        run.pk: run for run in SyncRun.objects.filter(pk__in=[s.last_run_id for s in states.values() if s.last_run_id])
    }
    now = timezone.now()
    out = []
    for entity in catalogue.NAMES:
        schedule = integration.sync_schedule(entity)
        interval = interval_minutes(schedule)
        state = states.get(entity)
        last_run = runs.get(state.last_run_id) if state and state.last_run_id else None
        last_success = state.last_success_at if state else None
        health, detail = _classify(schedule, state, last_run, last_success, interval, now)
        if health == "running":
            live = progress.read(integration.organization_id, entity) or {}
            detail = f"{live.get('fetched', 0):,} records so far"
        out.append(
            EntityHealth(
                integration.organization.slug,
                entity,
                health,
                last_success,
                last_run,
                interval,
                detail,
                describe_schedule(schedule),
            )
        )
    return out


def _classify(schedule, state, last_run, last_success, interval, now) -> tuple[str, str]:
    if not schedule.get("enabled", True):
        return "disabled", ""
    if last_run is None:
        return "never synced", ""
    if last_run.status == SyncStatus.RUNNING and state is not None and state.lease_held(now):
        return "running", ""
    if last_run.status == SyncStatus.FAILED:
        return "failing", f"{last_run.error_code}: {last_run.error_message}"[:200]
    if last_success is None:
        return "never synced", ""
    if now - last_success > dt.timedelta(minutes=2 * interval):
        return "stale", f"last success {_ago(now - last_success)} ago"
    if last_run.status in (SyncStatus.DEGRADED, SyncStatus.PARTIAL):
        return str(last_run.status), "; ".join(last_run.notes)[:200]
    return "healthy", ""


def all_health(organization_slug: str | None = None) -> list[EntityHealth]:
    integrations = HRMSIntegration.objects.filter(is_active=True).select_related("organization")
    if organization_slug:
        integrations = integrations.filter(organization__slug=organization_slug)
    return [
        row for integration in integrations.order_by("organization__slug") for row in organization_health(integration)
    ]


def _ago(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
