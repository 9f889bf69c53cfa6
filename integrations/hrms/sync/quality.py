"""Data-quality gate: a field that was mostly filled and is suddenly empty marks the run as degraded.

That is what a vendor permission change or a broken mapping looks like — every record still arrives, so
nothing fails, yet a column Harvey relies on (manager, email, department) silently empties. Coverage is
measured on a sample of each run's records (a few per page) so the gate costs almost nothing.

A run is compared only with runs of its own kind. A full read sees the whole entity; an incremental run
sees what changed, which is not a sample of the whole: the interviews changed since yesterday are mostly
newly scheduled ones, without feedback yet, while the whole table is mostly past interviews with feedback.
Comparing the two cried wolf on healthy data, so the baseline is kept per kind (`full`, `incremental`),
and a kind's first run only sets its baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel

SAMPLE_PER_PAGE = 100
MIN_SAMPLE = 50  # fewer records than this say nothing about coverage
WAS_FILLED = 0.5
NOW_EMPTY = 0.05
IGNORED = frozenset({"id", "updated_at"})


class CoverageSampler:
    """Counts, per field, how many sampled records have a non-empty value."""

    def __init__(self) -> None:
        self.sampled = 0
        self.filled: Counter[str] = Counter()

    def add(self, records: Iterable[BaseModel]) -> None:
        records = list(records)
        for record in records[:: max(1, len(records) // SAMPLE_PER_PAGE)]:
            self.sampled += 1
            for name in type(record).model_fields:
                if name not in IGNORED and getattr(record, name) not in (None, "", [], {}):
                    self.filled[name] += 1

    def coverage(self, fields: Iterable[str]) -> dict[str, float] | None:
        if self.sampled < MIN_SAMPLE:
            return None
        return {name: round(self.filled[name] / self.sampled, 4) for name in fields if name not in IGNORED}


KINDS = ("full", "incremental")


def judge(stored: dict, kind: str, current: dict[str, float]) -> tuple[list[str], dict]:
    """(fields that emptied since the last run of this `kind`, the baselines to store after this run).

    `stored` is what the pair's state holds: `{kind: coverage}` (or, from before kinds, one flat coverage,
    taken as the full-read baseline). A degraded run keeps the healthy baseline until the data recovers.
    """
    baselines = dict(stored) if set(stored) <= set(KINDS) else {"full": dict(stored)}
    previous = baselines.get(kind) or {}
    emptied = emptied_fields(previous, current)
    if not emptied:
        baselines[kind] = current
    return emptied, baselines


def emptied_fields(previous: dict[str, float], current: dict[str, float]) -> list[str]:
    """Fields that were mostly filled before and are (almost) empty now."""
    return sorted(
        name for name, before in previous.items() if before >= WAS_FILLED and current.get(name, before) <= NOW_EMPTY
    )
