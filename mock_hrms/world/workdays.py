"""Working days (Mon–Fri minus public holidays), answered in O(1) from per-year prefix sums.

Leave requests are counted in working days both when the world is generated (hundreds of thousands of
requests at 100k employees) and on every write, so counting day by day would dominate; a cumulative count
per day of the year, built once per year, turns any span into two lookups.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from mock_hrms.world.vocabulary import public_holidays


@cache
def _prefix(year: int) -> tuple[int, ...]:
    """prefix[i] = working days among the first i days of `year` (prefix[0] = 0)."""
    holidays = public_holidays(year)
    day = dt.date(year, 1, 1)
    counts = [0]
    while day.year == year:
        working = day.weekday() < 5 and day not in holidays
        counts.append(counts[-1] + working)
        day += dt.timedelta(days=1)
    return tuple(counts)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days(start: dt.date, end: dt.date) -> int:
    """Working days in [start, end], both inclusive; 0 when end is before start."""
    if end < start:
        return 0
    total = 0
    for year in range(start.year, end.year + 1):
        first = start if year == start.year else dt.date(year, 1, 1)
        last = end if year == end.year else dt.date(year, 12, 31)
        prefix = _prefix(year)
        total += prefix[last.timetuple().tm_yday] - prefix[first.timetuple().tm_yday - 1]
    return total


def working_days_by_year(start: dt.date, end: dt.date) -> dict[int, int]:
    """The same count split by calendar year, for balances of a request spanning New Year."""
    result: dict[int, int] = {}
    for year in range(start.year, end.year + 1):
        first = max(start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        result[year] = working_days(first, last)
    return result
