"""Generate leave requests across the reference year that respect the same rules as a write would.

Each employee gets a few requests, each inside its own Mon–Fri week (so one person's requests never
overlap), totalled in working days, never beyond the allocation of its type, dated after the hire date.
Past requests are mostly approved (some rejected or cancelled); future ones mostly pending.
"""

from __future__ import annotations

import datetime as dt

from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.generate_context import GenContext, id_width
from mock_hrms.world.records import full_name
from mock_hrms.world.workdays import working_days

REQUESTS_PER_EMPLOYEE = ((0, 1, 2, 3, 4, 5), (10, 20, 25, 22, 15, 8))
LEAVE_TYPE_WEIGHTS = (("annual", 45), ("sick", 25), ("casual", 20), ("unpaid", 4), ("paternity", 6))
PAST_STATUSES = (("approved", "rejected", "cancelled"), (80, 10, 10))
FUTURE_STATUSES = (("pending", "approved", "cancelled"), (60, 30, 10))


def generate_leave_requests(ctx: GenContext, employees: list[dict], gender: dict[str, str]) -> list[dict]:
    rng, ref, year = ctx.rng, ctx.reference_date, ctx.year
    first_monday = dt.date(year, 1, 1) - dt.timedelta(days=dt.date(year, 1, 1).weekday())
    mondays = [first_monday + dt.timedelta(weeks=w) for w in range(53)]
    mondays = [m for m in mondays if m.year == year or (m + dt.timedelta(days=4)).year == year]
    type_names, type_weights = zip(*LEAVE_TYPE_WEIGHTS, strict=True)
    counts, count_weights = REQUESTS_PER_EMPLOYEE
    drafts: list[tuple[dict, str, dt.date, dt.date, int]] = []
    for emp in employees:
        if emp["employment_status"] == "terminated":
            continue
        hired = dt.date.fromisoformat(emp["hire_date"])
        weeks = [m for m in mondays if m > hired] if hired.year >= year else mondays
        wanted = min(rng.choices(counts, count_weights)[0], len(weeks))
        left = {
            "annual": vocab.annual_allocation(hired, dt.date(year, 12, 31)),
            "sick": vocab.LEAVE_ALLOCATION["sick"],
            "casual": vocab.LEAVE_ALLOCATION["casual"],
            "paternity": vocab.LEAVE_ALLOCATION["paternity"] if gender[emp["id"]] == "male" else 0,
            "unpaid": 10**6,
        }
        for monday in sorted(rng.sample(weeks, wanted)):
            leave_type = rng.choices(type_names, type_weights)[0]
            start = monday + dt.timedelta(days=rng.randint(0, 3))
            end = min(start + dt.timedelta(days=rng.choice((0, 0, 1, 1, 2, 4))), monday + dt.timedelta(days=4))
            start, end = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
            days = working_days(start, end) if start <= end else 0
            if days == 0 or days > left[leave_type]:
                continue
            left[leave_type] -= days  # counted even if later rejected: keeps every status within balance
            drafts.append((emp, leave_type, start, end, days))
    width = id_width(len(drafts), 5)
    result = []
    for number, (emp, leave_type, start, end, days) in enumerate(drafts, 1):
        statuses = PAST_STATUSES if start <= ref else FUTURE_STATUSES
        status = rng.choices(*statuses)[0]
        applied = min(ref, start - dt.timedelta(days=rng.randint(1, 30)))
        leave_id = f"LEAVE{number:0{width}d}"
        result.append({
            "id": leave_id, "updated_at": ctx.updated_at(), "leave_request_id": leave_id,
            "employee_id": emp["id"], "employee_name": full_name(emp), "leave_type": leave_type,
            "start_date": start.isoformat(), "end_date": end.isoformat(), "total_days": days,
            "status": status, "applied_date": applied.isoformat(),
            "reason": rng.choice(vocab.LEAVE_REASONS[leave_type]),
        })  # fmt: skip
    return result
