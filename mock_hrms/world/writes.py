"""The HRMS's business rules for the four writes Harvey makes.

Each rule raises a typed error (errors.py) with a machine code the API returns as-is, and checks run in
a fixed order — existence (404), then state rules (422), then clashes (409) — so a request that breaks
several rules always gets the same answer. Every write stamps `updated_at` from `world.clock()` on every
record it touches (the candidate whose history changes, too), which is what incremental syncs rely on.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from hrmodel import canonical
from mock_hrms.world.errors import Conflict, RuleViolation
from mock_hrms.world.generate_context import BUSINESS_TZ
from mock_hrms.world.records import changed, full_name
from mock_hrms.world.recruiting import calendar_event_id, meeting_link
from mock_hrms.world.vocabulary import UNLIMITED_LEAVE_TYPES
from mock_hrms.world.workdays import working_days, working_days_by_year

if TYPE_CHECKING:
    from mock_hrms.world.world import World

FINAL_INTERVIEW_STATUSES = frozenset({"completed", "cancelled", "no_show"})
FEEDBACK_FIELDS = frozenset({"feedback", "rating", "recommendation", "notes"})
RESCHEDULE_FIELDS = frozenset({"scheduled_date", "duration_minutes", "interviewer_id"})


def _validated(model: type[canonical.RequestModel], req):
    return req if isinstance(req, model) else model.model_validate(req)


def create_candidate(world: World, req: canonical.CandidateCreate | dict) -> dict:
    req = _validated(canonical.CandidateCreate, req)
    job = world.require("job_requisitions", req.applied_for_job_id, "applied_for_job_id")
    if job["status"] != "open":
        raise RuleViolation(
            "requisition_not_open", f"Requisition {job['id']} is {job['status']}, not open.", "applied_for_job_id"
        )
    existing = world.candidate_by_job_email.get((job["id"], req.email))
    if existing is not None and existing in world.tables["candidates"]:
        raise Conflict("duplicate_candidate", f"{req.email} has already applied for {job['id']}.", "email")
    candidate_id = world.next_id("candidates")
    record = {
        "id": candidate_id, "updated_at": world.stamp(), "candidate_id": candidate_id,
        "first_name": req.first_name, "last_name": req.last_name, "email": req.email, "phone": req.phone,
        "current_stage": "applied", "applied_for_job_id": job["id"], "applied_for_job_title": job["title"],
        "source": req.source, "application_date": world.today().isoformat(), "status": "active",
        "resume_url": req.resume_url, "linkedin_url": req.linkedin_url, "skills": [],
        "experience_years": None, "current_company": None, "current_title": None, "education": [],
        "interview_history": [],
    }  # fmt: skip
    world.tables["candidates"].put(record)
    world.candidate_by_job_email[(job["id"], req.email)] = candidate_id
    world.candidates_by_job[job["id"]].add(candidate_id)
    return record


def _check_interviewer(world: World, interviewer_id: str) -> dict:
    interviewer = world.require("employees", interviewer_id, "interviewer_id")
    if interviewer["employment_status"] == "terminated":
        raise RuleViolation(
            "interviewer_terminated", f"Interviewer {interviewer_id} no longer works here.", "interviewer_id"
        )
    return interviewer


def _check_future(world: World, start: dt.datetime) -> None:
    if start <= world.now():
        raise RuleViolation("interview_in_past", "An interview must be scheduled in the future.", "scheduled_date")


def _check_free(world: World, interviewer_id: str, start: dt.datetime, minutes: int, skip: str = "") -> None:
    """No other scheduled interview of this interviewer overlaps [start, start + minutes)."""
    end = start + dt.timedelta(minutes=minutes)
    interviews = world.tables["interviews"]
    for other_id in world.interviews_by_interviewer.get(interviewer_id, ()):
        other = interviews.get(other_id)
        if other is None or other_id == skip or other["status"] != "scheduled":
            continue
        other_start = dt.datetime.fromisoformat(other["scheduled_date"])
        if start < other_start + dt.timedelta(minutes=other["duration_minutes"]) and other_start < end:
            raise Conflict(
                "interviewer_double_booked",
                f"Interviewer {interviewer_id} already has interview {other_id} at that time.",
                "scheduled_date",
            )


def _local_iso(instant: dt.datetime) -> str:
    """Interview times are kept in the business time zone, as the seed shows them (+05:30)."""
    return instant.astimezone(BUSINESS_TZ).isoformat()


def schedule_interview(world: World, req: canonical.InterviewCreate | dict) -> dict:
    req = _validated(canonical.InterviewCreate, req)
    candidate = world.require("candidates", req.candidate_id, "candidate_id")
    job = world.require("job_requisitions", req.job_id, "job_id")
    interviewer = _check_interviewer(world, req.interviewer_id)
    if candidate["applied_for_job_id"] != job["id"]:
        raise RuleViolation(
            "candidate_not_applied", f"Candidate {candidate['id']} has not applied for {job['id']}.", "job_id"
        )
    if candidate["status"] not in ("active", "on_hold"):
        raise RuleViolation(
            "candidate_not_active", f"Candidate {candidate['id']} is {candidate['status']}.", "candidate_id"
        )
    if job["status"] != "open":
        raise RuleViolation("requisition_not_open", f"Requisition {job['id']} is {job['status']}.", "job_id")
    _check_future(world, req.scheduled_date)
    _check_free(world, interviewer["id"], req.scheduled_date, req.duration_minutes)
    interview_id = world.next_id("interviews")
    stamp = world.stamp()
    record = {
        "id": interview_id, "updated_at": stamp, "interview_id": interview_id,
        "candidate_id": candidate["id"], "candidate_name": full_name(candidate), "job_id": job["id"],
        "job_title": job["title"], "interviewer_id": interviewer["id"],
        "interviewer_name": full_name(interviewer), "interviewer_email": interviewer["email"],
        "scheduled_date": _local_iso(req.scheduled_date), "duration_minutes": req.duration_minutes,
        "interview_type": req.interview_type, "status": "scheduled", "meeting_link": meeting_link(world.rng),
        "calendar_event_id": calendar_event_id(world.rng), "notes": req.notes, "feedback": None,
        "rating": None, "recommendation": None,
    }  # fmt: skip
    world.put_interview(record, stamp)
    return record


def update_interview(world: World, interview_id: str, req: canonical.InterviewUpdate | dict) -> dict:
    """Record an outcome, cancel, or reschedule, following the interview's status machine.

    scheduled -> completed | cancelled | no_show; those are final, except that feedback, rating and a
    recommendation may still be added to a completed interview. A reschedule (new date, length or
    interviewer) is only possible while scheduled and is re-checked for double booking.
    """
    req = _validated(canonical.InterviewUpdate, req)
    interview = world.require("interviews", interview_id)
    given = {name: getattr(req, name) for name in req.model_fields_set}
    current = interview["status"]
    target = given.get("status") or current
    if current in FINAL_INTERVIEW_STATUSES:
        editable = FEEDBACK_FIELDS if current == "completed" else frozenset()
        if target != current or not set(given) - {"status"} <= editable:
            raise Conflict(
                "illegal_transition", f"Interview {interview_id} is {current} and can no longer change that way."
            )
    for name in ("rating", "recommendation"):
        if given.get(name) is not None and target != "completed":
            raise RuleViolation(
                "outcome_requires_completed", f"A {name} can only be given to a completed interview.", name
            )
    if set(given) & RESCHEDULE_FIELDS:
        if target != "scheduled":
            raise Conflict("illegal_transition", "Only a scheduled interview can be rescheduled.")
        interviewer_id = given.get("interviewer_id") or interview["interviewer_id"]
        interviewer = _check_interviewer(world, interviewer_id)
        start = given.get("scheduled_date") or dt.datetime.fromisoformat(interview["scheduled_date"])
        minutes = given.get("duration_minutes") or interview["duration_minutes"]
        _check_future(world, start)
        _check_free(world, interviewer_id, start, minutes, skip=interview_id)
        given.update({
            "scheduled_date": _local_iso(start), "duration_minutes": minutes,
            "interviewer_id": interviewer_id, "interviewer_name": full_name(interviewer),
            "interviewer_email": interviewer["email"],
        })  # fmt: skip
    given["status"] = target
    stamp = world.stamp()
    record = changed(interview, stamp, **given)
    world.put_interview(record, stamp)
    return record


def create_leave_request(world: World, req: canonical.LeaveRequestCreate | dict) -> dict:
    req = _validated(canonical.LeaveRequestCreate, req)
    employee = world.require("employees", req.employee_id, "employee_id")
    if employee["employment_status"] == "terminated":
        raise RuleViolation("employee_terminated", f"Employee {employee['id']} no longer works here.", "employee_id")
    if req.end_date < req.start_date:
        raise RuleViolation("end_before_start", "end_date is before start_date.", "end_date")
    days = working_days(req.start_date, req.end_date)
    if days == 0:
        raise RuleViolation("no_working_days", "The requested dates contain no working day.", "start_date")
    _check_no_overlap(world, employee["id"], req.start_date, req.end_date)
    if req.leave_type not in UNLIMITED_LEAVE_TYPES:
        for year, needed in working_days_by_year(req.start_date, req.end_date).items():
            used, pending = world.leave_usage(employee["id"], year)[req.leave_type]
            available = world.leave_allocation(employee, req.leave_type, year) - used - pending
            if needed > available:
                raise RuleViolation(
                    "insufficient_balance",
                    f"{needed} working days of {req.leave_type} leave requested in {year}, "
                    f"{max(0, available)} available.",
                    "leave_type",
                )
    leave_id = world.next_id("leave_requests")
    record = {
        "id": leave_id, "updated_at": world.stamp(), "leave_request_id": leave_id,
        "employee_id": employee["id"], "employee_name": full_name(employee), "leave_type": req.leave_type,
        "start_date": req.start_date.isoformat(), "end_date": req.end_date.isoformat(), "total_days": days,
        "status": "pending", "applied_date": world.today().isoformat(), "reason": req.reason,
    }  # fmt: skip
    world.tables["leave_requests"].put(record)
    world.leaves_by_employee[employee["id"]].append(leave_id)
    return record


def _check_no_overlap(world: World, employee_id: str, start: dt.date, end: dt.date) -> None:
    leaves = world.tables["leave_requests"]
    for leave_id in world.leaves_by_employee.get(employee_id, ()):
        leave = leaves.get(leave_id)
        if leave is None or leave["status"] not in ("pending", "approved"):
            continue
        if leave["start_date"] <= end.isoformat() and start.isoformat() <= leave["end_date"]:
            raise Conflict(
                "overlapping_leave", f"The dates overlap leave request {leave_id} ({leave['status']}).", "start_date"
            )
