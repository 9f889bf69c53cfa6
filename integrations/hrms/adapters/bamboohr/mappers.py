"""BambooHR payload -> canonical model: pure functions with the same names as every vendor's mappers.

Each takes the raw JSON BambooHR sent (plus, where BambooHR splits one canonical record over several
endpoints, the already-fetched lookup it needs) and returns a validated canonical record or raises
InvalidRecord with the payload and the reason. Ids become strings; "0000-00-00" dates become null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from hrmodel import canonical as c
from integrations.hrms.errors import InvalidRecord
from integrations.hrms.mapping import validate_record

from . import vocabulary as v

EMPLOYEE_FIELDS: tuple[str, ...] = (
    "employeeNumber", "firstName", "lastName", "preferredName", "workEmail", "mobilePhone", "workPhone",
    "department", "division", "location", "jobTitle", "status", "employmentHistoryStatus", "hireDate",
    "terminationDate", "supervisor", "supervisorEId", "lastChanged",
)  # fmt: skip
"""The fields the adapter asks for (custom report, one employee) — exactly what `to_canonical_employee` reads."""


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _checked(entity: str, raw: Mapping[str, Any], convert) -> Any:
    """Run a conversion; a malformed date or number is an InvalidRecord, not a crash."""
    try:
        return convert()
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise InvalidRecord(entity, raw, f"unreadable value: {e}", external_id=_str(raw.get("id"))) from e


def employment_status(raw: Mapping[str, Any]) -> c.EmploymentStatus:
    """Inactive (or a Terminated history status) is terminated; an Active employee with a termination date
    is serving notice (BambooHR flips `status` when the termination takes effect). BambooHR has no
    on-leave or probation status, so every other employee is active."""
    status = str(raw.get("status") or "").strip().lower()
    history = str(raw.get("employmentHistoryStatus") or "").strip().lower()
    if status in v.TERMINATED_LABELS or history in v.TERMINATED_LABELS:
        return c.EmploymentStatus.TERMINATED
    if v.parse_date(raw.get("terminationDate")):
        return c.EmploymentStatus.NOTICE_PERIOD
    return c.EmploymentStatus.ACTIVE


def latest_work_type(rows: Iterable[Mapping[str, Any]]) -> c.WorkType | None:
    """The work type of the newest employmentStatus row that names one (a Terminated row does not)."""
    dated = sorted(rows, key=lambda row: (str(row.get("date") or ""), str(row.get("id") or "")))
    for row in reversed(dated):
        found = v.work_type(row.get("employmentStatus"))
        if found:
            return found
    return None


def to_canonical_employee(
    raw: Mapping[str, Any],
    *,
    department_ids: Mapping[str, str] | None = None,
    employment_rows: Iterable[Mapping[str, Any]] = (),
) -> c.EmployeeDetail:
    """One employee's fields (`GET /employees/{id}?fields=…` or a custom-report row).

    `department_ids` maps a department name to its canonical id (from `/meta/lists`); `employment_rows`
    are the employee's employmentStatus table rows, which keep the work type a terminated employee's
    `employmentHistoryStatus` ("Terminated") no longer shows.
    """

    def convert() -> dict[str, Any]:
        department = _str(raw.get("department"))
        return {
            "id": _str(raw.get("id")),
            "employee_id": _str(raw.get("employeeNumber")) or _str(raw.get("id")),
            "first_name": _str(raw.get("firstName")),
            "last_name": _str(raw.get("lastName")) or "",
            "email": _str(raw.get("workEmail")),
            "phone": _str(raw.get("mobilePhone")) or _str(raw.get("workPhone")),
            "department": department,
            "department_id": (department_ids or {}).get(department) if department else None,
            "job_title": _str(raw.get("jobTitle")),
            "manager_id": _str(raw.get("supervisorEId")),
            "manager_name": _str(raw.get("supervisor")),
            "hire_date": v.parse_date(raw.get("hireDate")),
            "termination_date": v.parse_date(raw.get("terminationDate")),
            "employment_status": employment_status(raw),
            "location": _str(raw.get("location")),
            "work_type": v.work_type(raw.get("employmentHistoryStatus")) or latest_work_type(employment_rows),
            "updated_at": v.parse_timestamp(raw.get("lastChanged")),
        }

    return validate_record("employees", c.EmployeeDetail, _checked("employees", raw, convert), raw=raw)


def to_canonical_tombstone(raw: Mapping[str, Any]) -> c.Tombstone:
    """A `Deleted` entry of `GET /employees/changed` ({id, action, lastChanged})."""
    values = {"id": _str(raw.get("id")), "deleted": True, "updated_at": v.parse_timestamp(raw.get("lastChanged"))}
    return validate_record("employees", c.Tombstone, _checked("employees", raw, lambda: values), raw=raw)


def to_canonical_leave_request(raw: Mapping[str, Any]) -> c.LeaveRequest:
    """One entry of `GET /time_off/requests`. Amounts in hours are converted at 8 hours a day."""

    def convert() -> dict[str, Any]:
        status = raw.get("status") or {}
        amount = raw.get("amount") or {}
        kind = raw.get("type") or {}
        days = float(amount.get("amount") or 0)
        if str(amount.get("unit") or "days").lower().startswith("hour"):
            days = round(days / v.HOURS_PER_DAY, 2)
        changed = v.parse_date(status.get("lastChanged"))
        notes = raw.get("notes") or {}
        return {
            "id": _str(raw.get("id")),
            "leave_request_id": _str(raw.get("id")),
            "employee_id": _str(raw.get("employeeId")),
            "employee_name": _str(raw.get("name")),
            "leave_type": v.leave_type(kind.get("name")) or f"unknown time-off type {kind.get('name')!r}",
            "start_date": v.parse_date(raw.get("start")),
            "end_date": v.parse_date(raw.get("end")),
            "total_days": days,
            "status": v.LEAVE_STATUSES.get(str(status.get("status") or "").lower(), status.get("status")),
            "applied_date": v.parse_date(raw.get("created")),
            "reason": _str(notes.get("employee")) if isinstance(notes, Mapping) else None,
            "updated_at": dt.datetime.combine(changed, dt.time(), dt.UTC) if changed else None,
        }

    return validate_record("leave_requests", c.LeaveRequest, _checked("leave_requests", raw, convert), raw=raw)


def to_canonical_leave_balance(
    rows: Iterable[Mapping[str, Any]], *, employee_id: str, year: int, as_of: dt.datetime | None = None
) -> c.LeaveBalance:
    """`GET /employees/{id}/time_off/calculator` rows (amounts are strings) as one LeaveBalance.

    The calculator says what is left (`balance`) and what was used this year; it has no pending amount,
    so `pending` is 0 and `total_allocated` is balance + used. Types that are no canonical leave type are
    left out.
    """
    rows = list(rows)

    def convert() -> dict[str, Any]:
        entries: dict[str, dict[str, float]] = {}
        for row in rows:
            kind = v.leave_type(row.get("name"))
            if kind is None:
                continue
            available = float(row.get("balance") or 0)
            used = float(row.get("usedYearToDate") or 0)
            entry = entries.setdefault(kind, {"leave_type": kind, "used": 0.0, "pending": 0.0, "available": 0.0})
            entry["used"] += used
            entry["available"] += available
        for entry in entries.values():
            entry["total_allocated"] = max(entry["available"] + entry["used"], 0.0)
        return {
            "id": employee_id,
            "employee_id": employee_id,
            "year": year,
            "leave_balances": list(entries.values()),
            "updated_at": as_of,
        }

    values = _checked("leave_balances", {"id": employee_id, "rows": rows}, convert)
    return validate_record("leave_balances", c.LeaveBalance, values, raw=rows)


def to_canonical_job_requisition(raw: Mapping[str, Any]) -> c.JobRequisitionDetail:
    """One `GET /applicant_tracking/jobs` entry. BambooHR has no requisition number: the job id is used."""

    def convert() -> dict[str, Any]:
        lead = raw.get("hiringLead") or {}
        lead_name = " ".join(filter(None, (_str(lead.get("firstName")), _str(lead.get("lastName")))))
        status = str((raw.get("status") or {}).get("label") or "").lower()
        return {
            "id": _str(raw.get("id")),
            "requisition_id": _str(raw.get("id")),
            "title": _str((raw.get("title") or {}).get("label")),
            "department": _str((raw.get("department") or {}).get("label")),
            "location": _str((raw.get("location") or {}).get("label")),
            "hiring_manager_id": _str(lead.get("employeeId")),
            "hiring_manager_name": lead_name or None,
            "status": v.JOB_STATUSES.get(status, status or None),
            "created_date": v.parse_date(raw.get("postedDate")),
        }

    values = _checked("job_requisitions", raw, convert)
    return validate_record("job_requisitions", c.JobRequisitionDetail, values, raw=raw)


def to_canonical_candidate(
    raw: Mapping[str, Any], *, status_codes: Mapping[str, str] | None = None
) -> c.CandidateDetail:
    """An application (list entry or `GET …/applications/{id}` detail) as a candidate.

    `status_codes` maps status ids to codes (`GET /applicant_tracking/statuses`). BambooHR's status replaces
    the stage when a candidate is put on hold or withdraws; the stage is then reported as `applied`.
    """

    def convert() -> dict[str, Any]:
        applicant = raw.get("applicant") or {}
        job = raw.get("job") or {}
        status = raw.get("status") or {}
        stage, state = v.ats_status((status_codes or {}).get(str(status.get("id"))), status.get("label"))
        return {
            "id": _str(raw.get("id")),
            "candidate_id": _str(raw.get("id")),
            "first_name": _str(applicant.get("firstName")),
            "last_name": _str(applicant.get("lastName")) or "",
            "email": _str(applicant.get("email")),
            "phone": _str(applicant.get("phoneNumber")),
            "linkedin_url": _str(applicant.get("linkedinUrl")),
            "current_stage": stage or c.CandidateStage.APPLIED,
            "status": state,
            "applied_for_job_id": _str(job.get("id")),
            "applied_for_job_title": _str((job.get("title") or {}).get("label")),
            "source": v.candidate_source(applicant.get("source")),
            "application_date": v.parse_date(raw.get("appliedDate")),
        }

    return validate_record("candidates", c.CandidateDetail, _checked("candidates", raw, convert), raw=raw)


def to_canonical_candidate_created(raw: Mapping[str, Any]) -> c.CandidateCreated:
    """`POST /applicant_tracking/application` → {result, candidateId, applicationId}; Harvey's candidate is
    the application."""
    application_id = _str(raw.get("applicationId")) or _str(raw.get("candidateId"))
    return validate_record("candidates", c.CandidateCreated, {"id": application_id, "candidate_id": application_id})


def to_canonical_leave_request_created(raw: Mapping[str, Any]) -> c.LeaveRequestCreated:
    """`PUT /employees/{id}/time_off/request` answers the created request."""
    status = str((raw.get("status") or {}).get("status") or "requested").lower()
    values = {
        "id": _str(raw.get("id")),
        "leave_request_id": _str(raw.get("id")),
        "status": v.LEAVE_STATUSES.get(status, c.LeaveStatus.PENDING),
    }
    return validate_record("leave_requests", c.LeaveRequestCreated, values, raw=raw)
