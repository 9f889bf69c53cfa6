"""Generate leave requests across the reference year that respect the same rules as a write would.

Each employee gets a few requests, each inside its own Mon–Fri week (so one person's requests never
overlap), totalled in working days, never beyond the allocation of its type, dated after the hire date.
Past requests are mostly approved (some rejected or cancelled); future ones mostly pending.
"""

from __future__ import annotations

import datetime as dt

from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.generate_context import GenContext, Weighted, id_width
from mock_hrms.world.workdays import is_working_day

REQUESTS_PER_EMPLOYEE = Weighted(((0, 10), (1, 20), (2, 25), (3, 22), (4, 15), (5, 8)))
LEAVE_TYPES = Weighted((("annual", 45), ("sick", 25), ("casual", 20), ("unpaid", 4), ("paternity", 6)))
SPAN_DAYS = (0, 0, 1, 1, 2, 4)
PAST_STATUSES = Weighted((("approved", 80), ("rejected", 10), ("cancelled", 10)))
FUTURE_STATUSES = Weighted((("pending", 60), ("approved", 30), ("cancelled", 10)))
LEAD_DAYS = 31  # requests are applied for up to a month ahead, possibly in the previous year


class YearCalendar:
    """Days of the reference year as indexes (Jan 1 = 0), with ISO strings and working-day prefix sums."""

    def __init__(self, year: int) -> None:
        first = dt.date(year, 1, 1)
        self.size = (dt.date(year + 1, 1, 1) - first).days
        self.iso = [(first + dt.timedelta(days=i - LEAD_DAYS)).isoformat() for i in range(self.size + LEAD_DAYS)]
        self.prefix = [0]
        for i in range(self.size):
            self.prefix.append(self.prefix[-1] + is_working_day(first + dt.timedelta(days=i)))
        first_monday = -first.weekday()
        self.mondays = list(range(first_monday, self.size - 4, 7))

    def day_iso(self, index: int) -> str:
        return self.iso[index + LEAD_DAYS]

    def working(self, start: int, end: int) -> int:
        return self.prefix[end + 1] - self.prefix[start]


def generate_leave_requests(ctx: GenContext, employees: list[dict], gender: dict[str, str]) -> list[dict]:
    year = ctx.year
    cal = YearCalendar(year)
    ref = (ctx.reference_date - dt.date(year, 1, 1)).days
    last_day = cal.size - 1
    sick, casual, paternity = (vocab.LEAVE_ALLOCATION[t] for t in ("sick", "casual", "paternity"))
    drafts: list[tuple[dict, str, int, int, int]] = []
    year_end = dt.date(year, 12, 31)
    for emp in employees:
        if emp["employment_status"] == "terminated":
            continue
        hired = dt.date.fromisoformat(emp["hire_date"])
        hired_index = (hired - dt.date(year, 1, 1)).days
        weeks = [m for m in cal.mondays if m > hired_index] if hired.year >= year else cal.mondays
        wanted = min(REQUESTS_PER_EMPLOYEE.pick(ctx), len(weeks))
        chosen: set[int] = set()
        while len(chosen) < wanted:  # distinct weeks: one person's requests never overlap
            chosen.add(ctx.pick(weeks))
        left = {
            "annual": vocab.annual_allocation(hired, year_end), "sick": sick, "casual": casual,
            "paternity": paternity if gender[emp["id"]] == "male" else 0, "unpaid": 10**6,
        }  # fmt: skip
        for monday in sorted(chosen):
            leave_type = LEAVE_TYPES.pick(ctx)
            start = max(0, monday + ctx.between(0, 3))
            end = min(start + ctx.pick(SPAN_DAYS), monday + 4, last_day)
            days = cal.working(start, end) if start <= end else 0
            if days == 0 or days > left[leave_type]:
                continue
            left[leave_type] -= days  # counted even if later rejected: keeps every status within balance
            drafts.append((emp, leave_type, start, end, days))
    width = id_width(len(drafts), 5)
    result = []
    for number, (emp, leave_type, start, end, days) in enumerate(drafts, 1):
        status = (PAST_STATUSES if start <= ref else FUTURE_STATUSES).pick(ctx)
        applied = min(ref, start - ctx.between(1, LEAD_DAYS - 1))
        leave_id = f"LEAVE{number:0{width}d}"
        result.append({
            "id": leave_id, "updated_at": ctx.updated_at(), "leave_request_id": leave_id,
            "employee_id": emp["id"], "employee_name": f"{emp['first_name']} {emp['last_name']}",
            "leave_type": leave_type, "start_date": cal.day_iso(start), "end_date": cal.day_iso(end),
            "total_days": days, "status": status, "applied_date": cal.day_iso(applied),
            "reason": ctx.pick(vocab.LEAVE_REASONS[leave_type]),
        })  # fmt: skip
    return result
