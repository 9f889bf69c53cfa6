"""What every part of the generator shares: the one Random, the reference dates and id formats.

One `random.Random(seed)` drawn in a fixed order is what makes a world byte-for-byte reproducible, so
the parts of the generator take this context instead of creating their own randomness.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Kolkata")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Generated records were last modified during the half year before the reference date.
UPDATED_AT_WINDOW = dt.timedelta(days=180)
STAMP_POOL = 1 << 14


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
    _stamps: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.random = self.rng.random  # the hot path: one C call per draw
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
        """A last-modified time in the window before the reference date (strictly before the world's now).

        Drawn from a pool of STAMP_POOL instants spread over the window: formatting a fresh timestamp
        per record was a third of the time of a 100k world, and records sharing an instant is both
        realistic (bulk edits) and harmless, since paging orders by (updated_at, id).
        """
        if not self._stamps:
            span = self.updated_to - self.updated_from
            for _ in range(STAMP_POOL):
                micros = self.updated_from + int(self.random() * span)
                self._stamps.append(iso_utc(_EPOCH + dt.timedelta(microseconds=micros)))
        return self._stamps[int(self.random() * STAMP_POOL)]

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.reference_date - dt.timedelta(days=self.between(low, high))

    # Draws. random.Random's choice/randint/choices are several Python calls each; at 100k employees
    # and 200k leave requests these one-multiplication versions are what keeps generation in seconds.

    def between(self, low: int, high: int) -> int:
        """An int in [low, high], both inclusive."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence):
        return items[int(self.random() * len(items))]

    def subsets(self, items: Sequence[str], low: int, high: int, pool: int = 64) -> list[tuple[str, ...]]:
        """`pool` random subsets of `items` of size low..high, drawn once, to pick from per record."""
        return [tuple(self.rng.sample(items, min(len(items), self.between(low, high)))) for _ in range(pool)]


class Weighted:
    """A weighted choice with the cumulative weights computed once (random.choices recomputes them)."""

    def __init__(self, pairs: Sequence[tuple[object, float]]) -> None:
        self.items = tuple(item for item, _ in pairs)
        self.cumulative = tuple(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, random_: random.Random | GenContext):
        return self.items[bisect(self.cumulative, random_.random() * self.total)]


def _micros(instant: dt.datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
