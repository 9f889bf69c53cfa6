"""What every part of the generator shares: the one Random, the reference dates and id formats.

One `random.Random(seed)` drawn in a fixed order is what makes a world byte-for-byte reproducible, so
the parts of the generator take this context instead of creating their own randomness.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Kolkata")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Generated records were last modified during the half year before the reference date.
UPDATED_AT_WINDOW = dt.timedelta(days=180)


def business_today() -> dt.date:
    return dt.datetime.now(BUSINESS_TZ).date()


def start_of_day_utc(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the business time zone, as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(), BUSINESS_TZ).astimezone(dt.UTC)


def iso_utc(instant: dt.datetime) -> str:
    """The one timestamp format of the world: ISO 8601, UTC, microseconds, "+00:00"."""
    return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")


def id_width(count: int, minimum: int) -> int:
    """Zero-padding wide enough for `count` ids, never narrower than the seed's look (EMP00001)."""
    return max(minimum, len(str(count)))


@dataclass
class GenContext:
    seed: int
    employees: int
    reference_date: dt.date
    rng: random.Random = field(init=False)
    updated_from: int = field(init=False)  # micros since epoch
    updated_to: int = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        end = start_of_day_utc(self.reference_date)
        self.updated_to = _micros(end)
        self.updated_from = _micros(end - UPDATED_AT_WINDOW)

    @property
    def year(self) -> int:
        return self.reference_date.year

    def scaled(self, per_150: int, minimum: int = 1) -> int:
        """A count proportional to the headcount, as the default world has it per 150 employees."""
        return max(minimum, round(self.employees * per_150 / 150))

    def updated_at(self) -> str:
        """A last-modified time in the window before the reference date (strictly before the world's now)."""
        micros = self.rng.randrange(self.updated_from, self.updated_to)
        return iso_utc(_EPOCH + dt.timedelta(microseconds=micros))

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.reference_date - dt.timedelta(days=self.rng.randint(low, high))


def _micros(instant: dt.datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
