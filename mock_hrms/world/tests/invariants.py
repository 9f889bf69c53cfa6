"""The world's consistency rules as checks, shared by the generated-world and the simulation tests.

Each check takes a World and raises AssertionError naming the first offending record. They recompute
everything from the tables by brute force, independently of the World's own indexes, so they catch an
index or a denormalised field that a write forgot to maintain.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from mock_hrms.world import World
from mock_hrms.world.records import full_name
from mock_hrms.world.recruiting import derive_stage, history_of
from mock_hrms.world.workdays import working_days

LIMITED_LEAVE = ("annual", "sick", "casual", "maternity", "paternity")


def employees(world: World) -> dict[str, dict]:
    return {e["id"]: e for e in world.tables["employees"].values()}


def check_single_ceo(world: World) -> None:
    roots = [e for e in world.tables["employees"].values() if e["manager_id"] is None]
    assert len(roots) == 1, f"{len(roots)} employees without a manager"
    assert roots[0]["job_title"] == "Chief Executive Officer", roots[0]
    assert roots[0]["employment_status"] != "terminated"


def check_reporting_tree(world: World) -> None:
    people = employees(world)
    ceo = next(e["id"] for e in people.values() if e["manager_id"] is None)
    for emp in people.values():
        if emp["manager_id"] is None:
            continue
        manager = people.get(emp["manager_id"])
        assert manager is not None, f"{emp['id']} reports to missing {emp['manager_id']}"
        assert manager["employment_status"] != "terminated", f"{emp['id']} reports to terminated {manager['id']}"
        assert emp["manager_name"] == full_name(manager), emp["id"]
        seen, current = {emp["id"]}, manager
        while current["manager_id"] is not None:
            assert current["id"] not in seen, f"cycle through {current['id']}"
            seen.add(current["id"])
            current = people[current["manager_id"]]
        assert current["id"] == ceo, f"{emp['id']}'s chain ends at {current['id']}"


def check_department_heads(world: World) -> None:
    people = employees(world)
    heads = {d["head_id"] for d in world.tables["departments"].values()}
    ceo = next(e["id"] for e in people.values() if e["manager_id"] is None)
    for dept in world.tables["departments"].values():
        if dept["head_id"] is None:
            assert dept["employee_count"] == 0, f"{dept['id']} has people but no head"
            continue
        head = people.get(dept["head_id"])
        assert head is not None, f"{dept['id']} head {dept['head_id']} missing"
        assert head["department_id"] == dept["id"], f"{dept['id']} head works elsewhere"
        assert head["employment_status"] != "terminated", dept["id"]
        assert dept["head_name"] == full_name(head), dept["id"]
        if head["id"] != ceo:
            assert head["manager_id"] == ceo or head["manager_id"] in heads, f"{dept['id']} head's manager"


def check_department_counts(world: World) -> None:
    counts: dict[str, int] = defaultdict(int)
    names = {d["id"]: d["name"] for d in world.tables["departments"].values()}
    for emp in world.tables["employees"].values():
        assert names[emp["department_id"]] == emp["department"], emp["id"]
        if emp["employment_status"] != "terminated":
            counts[emp["department_id"]] += 1
    for dept in world.tables["departments"].values():
        assert dept["employee_count"] == counts[dept["id"]], f"{dept['id']} counts {dept['employee_count']}"


def check_employment_dates(world: World) -> None:
    for emp in world.tables["employees"].values():
        terminated = emp["employment_status"] == "terminated"
        assert (emp["termination_date"] is not None) == terminated, emp["id"]
        if terminated:
            assert emp["termination_date"] >= emp["hire_date"], emp["id"]


def check_requisitions(world: World) -> None:
    people = employees(world)
    for job in world.tables["job_requisitions"].values():
        if job["hiring_manager_id"] is None:
            continue
        manager = people.get(job["hiring_manager_id"])
        assert manager is not None, job["id"]
        assert manager["department"] == job["department"], job["id"]
        assert manager["employment_status"] != "terminated", job["id"]
        assert job["hiring_manager_name"] == full_name(manager), job["id"]
        assert job["filled_positions"] <= job["headcount"], job["id"]


def check_candidates_apply_to_requisitions(world: World) -> None:
    jobs = world.tables["job_requisitions"]
    for candidate in world.tables["candidates"].values():
        job = jobs.get(candidate["applied_for_job_id"])
        assert job is not None, candidate["id"]
        assert candidate["applied_for_job_title"] == job["title"], candidate["id"]


def check_interviews_reference_records(world: World) -> None:
    people, candidates, jobs = employees(world), world.tables["candidates"], world.tables["job_requisitions"]
    for interview in world.tables["interviews"].values():
        candidate = candidates.get(interview["candidate_id"])
        job = jobs.get(interview["job_id"])
        interviewer = people.get(interview["interviewer_id"])
        assert candidate is not None, interview["id"]
        assert job is not None, interview["id"]
        assert interviewer is not None, interview["id"]
        assert candidate["applied_for_job_id"] == job["id"], interview["id"]
        assert interview["candidate_name"] == full_name(candidate), interview["id"]
        assert interview["job_title"] == job["title"], interview["id"]
        assert interview["interviewer_name"] == full_name(interviewer), interview["id"]
        assert interview["interviewer_email"] == interviewer["email"], interview["id"]


def check_interview_history_and_stage(world: World) -> None:
    by_candidate: dict[str, list[dict]] = defaultdict(list)
    for interview in world.tables["interviews"].values():
        by_candidate[interview["candidate_id"]].append(interview)
    for candidate in world.tables["candidates"].values():
        history = history_of(by_candidate[candidate["id"]])
        assert candidate["interview_history"] == history, candidate["id"]
        stage, status = candidate["current_stage"], candidate["status"]
        if status in ("active", "on_hold"):
            assert (stage, status) == derive_stage(history), candidate["id"]
        elif status == "rejected":
            assert stage == "rejected", candidate["id"]
            assert not history or derive_stage(history)[1] == "rejected", candidate["id"]
        elif status == "hired":
            assert stage == "hired", candidate["id"]
            assert derive_stage(history)[0] == "offer", candidate["id"]


def check_no_double_booking(world: World) -> None:
    slots: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for interview in world.tables["interviews"].values():
        if interview["status"] == "scheduled":
            start = dt.datetime.fromisoformat(interview["scheduled_date"])
            end = start + dt.timedelta(minutes=interview["duration_minutes"])
            slots[interview["interviewer_id"]].append((start, end, interview["id"]))
    for interviewer, booked in slots.items():
        booked.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(booked):
            assert start >= end, f"{interviewer} double-booked: {first} and {second}"


def check_leave_requests(world: World) -> None:
    people = employees(world)
    spans: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for leave in world.tables["leave_requests"].values():
        employee = people.get(leave["employee_id"])
        assert employee is not None, leave["id"]
        assert leave["employee_name"] == full_name(employee), leave["id"]
        start, end = dt.date.fromisoformat(leave["start_date"]), dt.date.fromisoformat(leave["end_date"])
        assert leave["total_days"] == working_days(start, end) > 0, leave["id"]
        if leave["status"] in ("pending", "approved"):
            spans[leave["employee_id"]].append((leave["start_date"], leave["end_date"], leave["id"]))
    for employee_id, taken in spans.items():
        taken.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(taken):
            assert start > end, f"{employee_id}: {first} overlaps {second}"


def check_leave_balances(world: World) -> None:
    year = world.reference_date.year
    for employee_id in {leave["employee_id"] for leave in world.tables["leave_requests"].values()}:
        employee = world.tables["employees"].get(employee_id)
        usage = world.leave_usage(employee_id, year)
        for leave_type in LIMITED_LEAVE:
            used, pending = usage[leave_type]
            allocated = world.leave_allocation(employee, leave_type, year)
            assert allocated - used - pending >= 0, f"{employee_id} overdrawn {leave_type}"


def check_updated_at_before_now(world: World) -> None:
    now = world.now()
    for table in world.tables.values():
        for record in [*table.values(), *table.tombstones()]:
            stamp = dt.datetime.fromisoformat(record["updated_at"])
            assert stamp.utcoffset() == dt.timedelta(0)
            assert record["updated_at"].endswith("+00:00")
            assert stamp < now, record["id"]


def check_indexes_match_tables(world: World) -> None:
    """The World's incrementally kept indexes equal the ones rebuilt from scratch."""
    names = ("members", "reports", "leaves_by_employee", "interviews_by_candidate", "interviews_by_interviewer")

    def snapshot() -> dict:
        result = {}
        for name in names:
            index = getattr(world, name)
            result[name] = {k: sorted(v) for k, v in index.items() if v}
        return result

    kept = snapshot()
    world.rebuild_indexes()
    assert kept == snapshot()


ALL_CHECKS = (
    check_single_ceo,
    check_reporting_tree,
    check_department_heads,
    check_department_counts,
    check_employment_dates,
    check_requisitions,
    check_candidates_apply_to_requisitions,
    check_interviews_reference_records,
    check_interview_history_and_stage,
    check_no_double_booking,
    check_leave_requests,
    check_leave_balances,
    check_updated_at_before_now,
    check_indexes_match_tables,
)
