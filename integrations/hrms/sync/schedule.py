"""When is a scheduled sync of one (organization, entity) due? Pure functions, no database, no clock.

Every entity schedule is either an interval (`{"interval_minutes": 120}`) or a time of day in the business
time zone (`{"daily_at": "01:00"}`, Asia/Kolkata). Time is cut into *slots*:

* interval: slots of `interval` length, but each organization's grid is shifted by a stable hash of its id,
  so 1,000 organizations on a 2 h interval start spread over the 2 h instead of all at :00 (and a restart,
  a second beat or another machine computes the same shift — Python's `hash()` is salted per process, so a
  BLAKE2 digest is used);
* daily: one slot per business day, starting at `daily_at` plus the organization's shift within a spreading
  window (default 60 minutes), so "leave at 01:00" means 01:00-02:00 across organizations.

A pair is due when no run of it has started since the start of its current slot. That single rule covers
"never synced" (due at once, whatever the slot), "interval elapsed", "daily time passed today and not yet run
today", and "a run already started in this slot" (not due). The slot's index names the slot, so the
dispatcher's guard key `(organization, entity, slot)` is the same in every beat and every re-run.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BUSINESS_TIME_ZONE = ZoneInfo("Asia/Kolkata")
DEFAULT_DAILY_SPREAD = timedelta(minutes=60)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduleError(ValueError):
    """A stored schedule that cannot be understood (it is skipped and reported, never guessed)."""


@dataclass(frozen=True)
class Schedule:
    """One entity's schedule: enabled, and exactly one of `interval` or `daily_at` (business-local time)."""

    enabled: bool
    interval: timedelta | None = None
    daily_at: time | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Schedule:
        """From `HRMSIntegration.sync_schedule(entity)`: `{enabled, interval_minutes}` or `{enabled, daily_at}`."""
        enabled = bool(raw.get("enabled", True))
        if raw.get("daily_at") is not None:
            text = str(raw["daily_at"])
            try:
                hours, minutes = (int(part) for part in text.split(":"))
                return cls(enabled=enabled, daily_at=time(hours, minutes))
            except ValueError as e:
                raise ScheduleError(f"daily_at must be HH:MM (00:00-23:59); got {text!r}") from e
        minutes = raw.get("interval_minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
            raise ScheduleError(f"interval_minutes must be a whole number of minutes >= 1; got {minutes!r}")
        return cls(enabled=enabled, interval=timedelta(minutes=minutes))

    @property
    def period(self) -> timedelta:
        """How long a slot lasts: the interval, or one day."""
        return self.interval if self.interval is not None else timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    """One slot of one organization's schedule: `index` names it (stable), `start` is when it opens."""

    index: int
    start: datetime


def spread_offset(organization_id: int, window: timedelta) -> timedelta:
    """The organization's stable place within `window`, in whole seconds: same id, same offset, everywhere."""
    seconds = max(1, int(window.total_seconds()))
    digest = hashlib.blake2b(str(organization_id).encode(), digest_size=8).digest()
    return timedelta(seconds=int.from_bytes(digest, "big") % seconds)


def current_slot(
    schedule: Schedule,
    organization_id: int,
    now: datetime,
    *,
    tz: ZoneInfo = BUSINESS_TIME_ZONE,
    daily_spread: timedelta = DEFAULT_DAILY_SPREAD,
) -> Slot:
    """The slot `now` falls in (`now` must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if schedule.daily_at is not None:
        return _daily_slot(schedule.daily_at, organization_id, now, tz, daily_spread)
    period = schedule.period.total_seconds()
    offset = spread_offset(organization_id, schedule.period).total_seconds()
    index = math.floor(((now - EPOCH).total_seconds() - offset) / period)
    return Slot(index=index, start=EPOCH + timedelta(seconds=index * period + offset))


def _daily_slot(at: time, organization_id: int, now: datetime, tz: ZoneInfo, spread: timedelta) -> Slot:
    offset = spread_offset(organization_id, spread) if spread > timedelta(0) else timedelta(0)
    local_day = now.astimezone(tz).date()
    for day in (local_day, local_day - timedelta(days=1)):
        start = _local_instant(day, at, tz) + offset
        if start <= now:
            return Slot(index=day.toordinal(), start=start)
    raise AssertionError("unreachable: yesterday's slot always started before now")  # pragma: no cover


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at `at` in `tz`, as an aware datetime (Asia/Kolkata has no DST; other zones take fold 0)."""
    return datetime.combine(day, at, tzinfo=tz)


def due_slot(
    schedule: Schedule,
    organization_id: int,
    last_started: datetime | None,
    now: datetime,
    *,
    tz: ZoneInfo = BUSINESS_TIME_ZONE,
    daily_spread: timedelta = DEFAULT_DAILY_SPREAD,
) -> Slot | None:
    """The slot to run now, or None when the pair is disabled or already started a run in this slot.

    `last_started` is when the pair's latest run started (None: never synced, so due at once).
    """
    if not schedule.enabled:
        return None
    slot = current_slot(schedule, organization_id, now, tz=tz, daily_spread=daily_spread)
    if last_started is None or last_started < slot.start:
        return slot
    return None
