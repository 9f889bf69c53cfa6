"""The HRMS's business rules for Harvey's writes: one test per rule, plus what a write changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from mock_hrms.world import Conflict, NotFound, RuleViolation
from mock_hrms.world.recruiting import derive_stage
from mock_hrms.world.tests.invariants import ALL_CHECKS


def open_job(world) -> dict:
    return next(j for j in world.tables["job_requisitions"].values() if j["status"] == "open")


def closed_job(world) -> dict:
    return next(j for j in world.tables["job_requisitions"].values() if j["status"] != "open")


def working(world) -> dict:
    """An active employee (not the CEO) with no interviews and no leave on record: a clean slate."""
    return next(
        e
        for e in world.tables["employees"].values()
        if e["employment_status"] == "active"
        and e["manager_id"]
        and not world.leaves_by_employee.get(e["id"])
        and not world.interviews_by_interviewer.get(e["id"])
    )


def new_candidate(world, email: str = "asha.rao@example.com") -> dict:
    job = open_job(world)
    return world.create_candidate(
        {"first_name": "Asha", "last_name": "Rao", "email": email, "applied_for_job_id": job["id"]}
    )


def in_days(world, days: float, hour: int = 11) -> dt.datetime:
    day = (world.now() + dt.timedelta(days=days)).date()
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def schedule(world, candidate: dict, interviewer: dict, start: dt.datetime, minutes: int = 60) -> dict:
    return world.schedule_interview({
        "candidate_id": candidate["id"], "job_id": candidate["applied_for_job_id"],
        "interviewer_id": interviewer["id"], "scheduled_date": start, "duration_minutes": minutes,
        "interview_type": "technical",
    })  # fmt: skip


def leave(world, employee_id: str, start: str, end: str, leave_type: str = "casual") -> dict:
    return world.create_leave_request(
        {"employee_id": employee_id, "leave_type": leave_type, "start_date": start, "end_date": end}
    )


# ---- candidates ----------------------------------------------------------------------------------------


def test_new_candidate_starts_applied_and_active(world):
    candidate = new_candidate(world)
    assert (candidate["current_stage"], candidate["status"]) == ("applied", "active")
    assert re.fullmatch(r"CAND\d{4}", candidate["id"])
    assert candidate["id"] not in {c["id"] for c in world.tables["candidates"].tombstones()}
    assert world.tables["candidates"].get(candidate["id"]) == candidate
    assert candidate["applied_for_job_title"] == open_job(world)["title"]


def test_candidate_for_unknown_job_is_404(world):
    with pytest.raises(NotFound) as caught:
        world.create_candidate({"first_name": "A", "email": "a@b.co", "applied_for_job_id": "JOB999"})
    assert caught.value.status == 404
    assert caught.value.field == "applied_for_job_id"


def test_candidate_for_a_requisition_that_is_not_open_is_422(world):
    with pytest.raises(RuleViolation) as caught:
        world.create_candidate({"first_name": "A", "email": "a@b.co", "applied_for_job_id": closed_job(world)["id"]})
    assert caught.value.code == "requisition_not_open"
    assert caught.value.status == 422


def test_same_email_for_the_same_job_is_409(world):
    new_candidate(world, "dup@example.com")
    with pytest.raises(Conflict) as caught:
        new_candidate(world, "DUP@example.com")
    assert caught.value.code == "duplicate_candidate"
    assert caught.value.status == 409


def test_new_ids_continue_after_the_highest_ever_used(world):
    world.sim.delete("candidates", world.tables["candidates"].ids()[-1])
    highest = max(int(i[4:]) for i in [*world.tables["candidates"].ids(), "CAND0045"])
    assert new_candidate(world)["id"] == f"CAND{highest + 1:04d}"


# ---- interviews ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["candidate_id", "job_id", "interviewer_id"])
def test_interview_with_unknown_reference_is_404(world, field):
    candidate = new_candidate(world)
    request = {
        "candidate_id": candidate["id"], "job_id": candidate["applied_for_job_id"],
        "interviewer_id": working(world)["id"], "scheduled_date": in_days(world, 3), "interview_type": "hr",
    }  # fmt: skip
    request[field] = "NOPE1"
    with pytest.raises(NotFound) as caught:
        world.schedule_interview(request)
    assert caught.value.field == field


def test_interview_for_a_job_the_candidate_did_not_apply_for_is_422(world):
    candidate = new_candidate(world)
    other = next(j for j in world.tables["job_requisitions"].values() if j["id"] != candidate["applied_for_job_id"])
    with pytest.raises(RuleViolation) as caught:
        world.schedule_interview({
            "candidate_id": candidate["id"], "job_id": other["id"], "interviewer_id": working(world)["id"],
            "scheduled_date": in_days(world, 3), "interview_type": "hr",
        })  # fmt: skip
    assert caught.value.code == "candidate_not_applied"


def test_interview_in_the_past_is_422(world):
    with pytest.raises(RuleViolation) as caught:
        schedule(world, new_candidate(world), working(world), world.now() - dt.timedelta(hours=1))
    assert caught.value.code == "interview_in_past"


def test_terminated_interviewer_is_422(world):
    interviewer = working(world)
    world.sim.terminate(interviewer["id"])
    with pytest.raises(RuleViolation) as caught:
        schedule(world, new_candidate(world), interviewer, in_days(world, 3))
    assert caught.value.code == "interviewer_terminated"


def test_overlapping_interviews_of_one_interviewer_are_409(world):
    interviewer = working(world)
    start = in_days(world, 3)
    schedule(world, new_candidate(world, "one@example.com"), interviewer, start, minutes=60)
    with pytest.raises(Conflict) as caught:
        schedule(world, new_candidate(world, "two@example.com"), interviewer, start + dt.timedelta(minutes=59))
    assert caught.value.code == "interviewer_double_booked"


def test_back_to_back_interviews_are_allowed(world):
    interviewer = working(world)
    start = in_days(world, 3)
    schedule(world, new_candidate(world, "one@example.com"), interviewer, start, minutes=60)
    schedule(world, new_candidate(world, "two@example.com"), interviewer, start + dt.timedelta(minutes=60))


def test_cancelled_interviews_do_not_block_the_slot(world):
    interviewer = working(world)
    start = in_days(world, 3)
    first = schedule(world, new_candidate(world, "one@example.com"), interviewer, start)
    world.update_interview(first["id"], {"status": "cancelled"})
    schedule(world, new_candidate(world, "two@example.com"), interviewer, start)


def test_scheduling_sets_links_and_moves_the_candidate_forward(world):
    candidate = new_candidate(world)
    interview = schedule(world, candidate, working(world), in_days(world, 2))
    assert re.fullmatch(r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", interview["meeting_link"])
    assert re.fullmatch(r"CAL\d{6}", interview["calendar_event_id"])
    after = world.tables["candidates"].get(candidate["id"])
    assert after["current_stage"] == "technical_interview"
    assert [(h["interview_id"], h["status"]) for h in after["interview_history"]] == [(interview["id"], "scheduled")]
    assert after["updated_at"] == interview["updated_at"]


@pytest.mark.parametrize(
    ("recommendation", "outcome"),
    [("strong_hire", "passed"), ("proceed_to_next_round", "passed"), ("reject", "failed"), ("hold", "on_hold")],
)
def test_completing_an_interview_records_the_outcome_in_history(world, recommendation, outcome):
    candidate = new_candidate(world)
    interview = schedule(world, candidate, working(world), in_days(world, 2))
    world.update_interview(interview["id"], {"status": "completed", "rating": 4, "recommendation": recommendation})
    history = world.tables["candidates"].get(candidate["id"])["interview_history"]
    assert history[0]["status"] == outcome
    after = world.tables["candidates"].get(candidate["id"])
    assert (after["current_stage"], after["status"]) == derive_stage(history)


@pytest.mark.parametrize("final", ["completed", "cancelled", "no_show"])
def test_a_final_interview_cannot_go_back_to_scheduled(world, final):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    world.update_interview(interview["id"], {"status": final})
    with pytest.raises(Conflict) as caught:
        world.update_interview(interview["id"], {"status": "scheduled"})
    assert caught.value.code == "illegal_transition"


def test_a_cancelled_interview_cannot_be_completed(world):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    world.update_interview(interview["id"], {"status": "cancelled"})
    with pytest.raises(Conflict):
        world.update_interview(interview["id"], {"status": "completed"})


def test_feedback_may_be_added_to_a_completed_interview(world):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    world.update_interview(interview["id"], {"status": "completed"})
    updated = world.update_interview(
        interview["id"], {"feedback": "Great", "rating": 5, "recommendation": "strong_hire"}
    )
    assert (updated["status"], updated["rating"]) == ("completed", 5)


def test_rating_on_a_scheduled_interview_is_422(world):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    with pytest.raises(RuleViolation) as caught:
        world.update_interview(interview["id"], {"rating": 3})
    assert caught.value.code == "outcome_requires_completed"


def test_a_completed_interview_cannot_be_rescheduled(world):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    world.update_interview(interview["id"], {"status": "completed"})
    with pytest.raises(Conflict):
        world.update_interview(interview["id"], {"scheduled_date": in_days(world, 5)})


def test_rescheduling_rechecks_double_booking(world):
    interviewer = working(world)
    busy = schedule(world, new_candidate(world, "one@example.com"), interviewer, in_days(world, 3))
    moving = schedule(world, new_candidate(world, "two@example.com"), interviewer, in_days(world, 4))
    with pytest.raises(Conflict) as caught:
        world.update_interview(moving["id"], {"scheduled_date": busy["scheduled_date"]})
    assert caught.value.code == "interviewer_double_booked"
    moved = world.update_interview(moving["id"], {"scheduled_date": in_days(world, 5)})
    assert dt.datetime.fromisoformat(moved["scheduled_date"]) == in_days(world, 5)


def test_rescheduling_into_the_past_is_422(world):
    interview = schedule(world, new_candidate(world), working(world), in_days(world, 2))
    with pytest.raises(RuleViolation):
        world.update_interview(interview["id"], {"scheduled_date": world.now() - dt.timedelta(days=1)})


def test_updating_an_unknown_interview_is_404(world):
    with pytest.raises(NotFound):
        world.update_interview("INT9999", {"status": "cancelled"})


# ---- leave ---------------------------------------------------------------------------------------------


def test_leave_counts_working_days_only(world):
    employee = working(world)
    # Mon 2026-03-09 .. Mon 2026-03-16: six working days (no holiday in between)
    request = leave(world, employee["id"], "2026-03-09", "2026-03-16", "unpaid")
    assert request["total_days"] == 6
    assert request["status"] == "pending"


def test_public_holidays_are_not_working_days(world):
    employee = working(world)
    request = leave(world, employee["id"], "2026-01-26", "2026-01-27", "unpaid")  # Republic Day + Tuesday
    assert request["total_days"] == 1


def test_leave_ending_before_it_starts_is_422(world):
    with pytest.raises(RuleViolation) as caught:
        leave(world, working(world)["id"], "2026-03-10", "2026-03-09")
    assert caught.value.code == "end_before_start"


def test_leave_of_only_a_weekend_is_422(world):
    with pytest.raises(RuleViolation) as caught:
        leave(world, working(world)["id"], "2026-03-07", "2026-03-08")
    assert caught.value.code == "no_working_days"


def test_leave_beyond_the_balance_is_422(world):
    employee = working(world)
    with pytest.raises(RuleViolation) as caught:
        leave(world, employee["id"], "2026-06-01", "2026-06-30", "casual")
    assert caught.value.code == "insufficient_balance"


def test_unpaid_leave_has_no_balance_limit(world):
    assert leave(world, working(world)["id"], "2026-06-01", "2026-06-30", "unpaid")["total_days"] == 22


def test_overlapping_leave_is_409(world):
    employee = working(world)
    leave(world, employee["id"], "2026-11-02", "2026-11-04", "unpaid")
    with pytest.raises(Conflict) as caught:
        leave(world, employee["id"], "2026-11-04", "2026-11-05", "unpaid")
    assert caught.value.code == "overlapping_leave"


def test_rejected_leave_does_not_block_the_dates(world):
    employee = working(world)
    first = leave(world, employee["id"], "2026-11-02", "2026-11-04", "unpaid")
    world.sim.decide_leave(first["id"], approve=False)
    leave(world, employee["id"], "2026-11-02", "2026-11-04", "unpaid")


def test_leave_for_a_terminated_employee_is_422(world):
    employee = working(world)
    world.sim.terminate(employee["id"])
    with pytest.raises(RuleViolation) as caught:
        leave(world, employee["id"], "2026-11-02", "2026-11-03", "unpaid")
    assert caught.value.code == "employee_terminated"


def test_leave_for_an_unknown_employee_is_404(world):
    with pytest.raises(NotFound):
        leave(world, "EMP99999", "2026-11-02", "2026-11-03")


def test_maternity_leave_needs_eligibility(world):
    man = next(
        e
        for e in world.tables["employees"].values()
        if world.gender[e["id"]] == "male" and e["employment_status"] == "active"
    )
    with pytest.raises(RuleViolation):
        leave(world, man["id"], "2026-11-02", "2026-11-03", "maternity")


# ---- balances ------------------------------------------------------------------------------------------


def balance_of(world, employee_id: str, leave_type: str) -> dict:
    entries = world.leave_balance(employee_id, 2026)["leave_balances"]
    return next(e for e in entries if e["leave_type"] == leave_type)


def test_balance_is_allocation_minus_used_minus_pending(world):
    employee = working(world)
    before = balance_of(world, employee["id"], "sick")
    leave(world, employee["id"], "2026-12-01", "2026-12-02", "sick")
    after = balance_of(world, employee["id"], "sick")
    assert after["pending"] == before["pending"] + 2
    assert after["available"] == before["available"] - 2
    assert after["available"] == after["total_allocated"] - after["used"] - after["pending"]


def test_approval_moves_days_from_pending_to_used(world):
    employee = working(world)
    request = leave(world, employee["id"], "2026-12-01", "2026-12-02", "sick")
    before = balance_of(world, employee["id"], "sick")
    world.sim.decide_leave(request["id"], approve=True)
    after = balance_of(world, employee["id"], "sick")
    assert (after["used"], after["pending"]) == (before["used"] + 2, before["pending"] - 2)
    assert after["available"] == before["available"]


def test_annual_allocation_grows_with_tenure(default_world):
    people = default_world.tables["employees"].values()
    allocations = {balance_of(default_world, e["id"], "annual")["total_allocated"] for e in people}
    assert allocations <= {18, 21, 24}
    assert len(allocations) > 1


def test_unpaid_leave_has_nothing_available(default_world):
    assert balance_of(default_world, "EMP00001", "unpaid")["available"] == 0


def test_balance_of_unknown_employee_is_404(default_world):
    with pytest.raises(NotFound):
        default_world.leave_balance("EMP77777")


def test_world_stays_consistent_after_writes(world):
    interviewer = working(world)
    candidate = new_candidate(world)
    interview = schedule(world, candidate, interviewer, in_days(world, 2))
    world.update_interview(interview["id"], {"status": "completed", "recommendation": "reject", "rating": 2})
    leave(world, interviewer["id"], "2026-12-14", "2026-12-15", "casual")
    for check in ALL_CHECKS:
        check(world)


def test_nothing_is_allocated_before_the_hire_year(default_world):
    employee = default_world.tables["employees"].get("EMP00002")
    year = int(employee["hire_date"][:4]) - 1
    entries = default_world.leave_balance("EMP00002", year)["leave_balances"]
    assert {e["total_allocated"] for e in entries} == {0}


@pytest.mark.parametrize("year", [0, 1899, 2101])
def test_a_balance_for_an_absurd_year_is_422(default_world, year):
    with pytest.raises(RuleViolation) as caught:
        default_world.leave_balance("EMP00002", year)
    assert caught.value.code == "invalid_year"
