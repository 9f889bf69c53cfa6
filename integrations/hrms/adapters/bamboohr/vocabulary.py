"""BambooHR's words for things, and what they mean canonically (pure lookups, no I/O).

Companies name their own time-off types and ATS statuses, so these map by well-known codes first and by
keywords in the label second; a value that matches nothing is left to the mapper to reject or default.
"""

from __future__ import annotations

import datetime as dt

from hrmodel import canonical as c

EMPTY_DATE = "0000-00-00"  # BambooHR's "no date" (third-party fixtures; docs/vendors/bamboohr.md §8)

# employmentHistoryStatus / employmentStatus table values (TAPB schemas) -> work type
WORK_TYPES: dict[str, c.WorkType] = {
    "full-time": c.WorkType.FULL_TIME,
    "full time": c.WorkType.FULL_TIME,
    "part-time": c.WorkType.PART_TIME,
    "part time": c.WorkType.PART_TIME,
    "contractor": c.WorkType.CONTRACT,
    "contract": c.WorkType.CONTRACT,
    "intern": c.WorkType.INTERN,
    "internship": c.WorkType.INTERN,
}
TERMINATED_LABELS = frozenset({"terminated", "inactive"})

# /time_off/requests status values; note BambooHR's spellings "superceded" and "canceled" (BSDK TimeOffApi).
# A superseded request was replaced by a newer one and is no longer in force: canonically cancelled.
LEAVE_STATUSES: dict[str, c.LeaveStatus] = {
    "requested": c.LeaveStatus.PENDING,
    "approved": c.LeaveStatus.APPROVED,
    "denied": c.LeaveStatus.REJECTED,
    "declined": c.LeaveStatus.REJECTED,
    "canceled": c.LeaveStatus.CANCELLED,
    "cancelled": c.LeaveStatus.CANCELLED,
    "superceded": c.LeaveStatus.CANCELLED,
    "superseded": c.LeaveStatus.CANCELLED,
}

# Time-off type names are company-defined: keywords, most specific first.
LEAVE_TYPE_KEYWORDS: tuple[tuple[str, c.LeaveType], ...] = (
    ("maternity", c.LeaveType.MATERNITY),
    ("paternity", c.LeaveType.PATERNITY),
    ("unpaid", c.LeaveType.UNPAID),
    ("sick", c.LeaveType.SICK),
    ("casual", c.LeaveType.CASUAL),
    ("vacation", c.LeaveType.ANNUAL),
    ("annual", c.LeaveType.ANNUAL),
    ("pto", c.LeaveType.ANNUAL),
    ("paid time off", c.LeaveType.ANNUAL),
)
HOURS_PER_DAY = 8.0

# ATS status codes (GET /applicant_tracking/statuses) -> (stage, candidate status). None keeps the stage unknown.
ATS_STATUS_CODES: dict[str, tuple[c.CandidateStage | None, c.CandidateStatus]] = {
    "NEW": (c.CandidateStage.APPLIED, c.CandidateStatus.ACTIVE),
    "SCREENED": (c.CandidateStage.SCREENING, c.CandidateStatus.ACTIVE),
    "TECH": (c.CandidateStage.TECHNICAL_INTERVIEW, c.CandidateStatus.ACTIVE),
    "MANAGER": (c.CandidateStage.MANAGER_INTERVIEW, c.CandidateStatus.ACTIVE),
    "HR": (c.CandidateStage.HR_INTERVIEW, c.CandidateStatus.ACTIVE),
    "OFFER": (c.CandidateStage.OFFER, c.CandidateStatus.ACTIVE),
    "HIRED": (c.CandidateStage.HIRED, c.CandidateStatus.HIRED),
    "NOT_A_FIT": (c.CandidateStage.REJECTED, c.CandidateStatus.REJECTED),
    "ON_HOLD": (None, c.CandidateStatus.ON_HOLD),
    "WITHDRAWN": (None, c.CandidateStatus.WITHDRAWN),
}
ATS_LABEL_KEYWORDS: tuple[tuple[str, tuple[c.CandidateStage | None, c.CandidateStatus]], ...] = (
    ("hired", ATS_STATUS_CODES["HIRED"]),
    ("offer", ATS_STATUS_CODES["OFFER"]),
    ("not a fit", ATS_STATUS_CODES["NOT_A_FIT"]),
    ("reject", ATS_STATUS_CODES["NOT_A_FIT"]),
    ("withdr", ATS_STATUS_CODES["WITHDRAWN"]),
    ("hold", ATS_STATUS_CODES["ON_HOLD"]),
    ("technical", ATS_STATUS_CODES["TECH"]),
    ("manager", ATS_STATUS_CODES["MANAGER"]),
    ("hr interview", ATS_STATUS_CODES["HR"]),
    ("screen", ATS_STATUS_CODES["SCREENED"]),
)
DEFAULT_ATS_STATUS = ATS_STATUS_CODES["NEW"]

# ATS job status labels -> requisition status
JOB_STATUSES: dict[str, c.RequisitionStatus] = {
    "open": c.RequisitionStatus.OPEN,
    "draft": c.RequisitionStatus.ON_HOLD,
    "on hold": c.RequisitionStatus.ON_HOLD,
    "filled": c.RequisitionStatus.FILLED,
    "closed": c.RequisitionStatus.CLOSED,
    "canceled": c.RequisitionStatus.CANCELLED,
    "cancelled": c.RequisitionStatus.CANCELLED,
}

CANDIDATE_SOURCES: dict[str, c.CandidateSource] = {
    "linkedin": c.CandidateSource.LINKEDIN,
    "referral": c.CandidateSource.REFERRAL,
    "employeereferral": c.CandidateSource.REFERRAL,
    "careerspage": c.CandidateSource.CAREERS_PAGE,
    "careers": c.CandidateSource.CAREERS_PAGE,
    "companywebsite": c.CandidateSource.CAREERS_PAGE,
    "jobboard": c.CandidateSource.JOB_BOARD,
    "indeed": c.CandidateSource.JOB_BOARD,
    "glassdoor": c.CandidateSource.JOB_BOARD,
    "agency": c.CandidateSource.AGENCY,
    "campus": c.CandidateSource.CAMPUS,
}


def parse_date(value: object) -> dt.date | None:
    """ "YYYY-MM-DD" → date; None, "" and BambooHR's "0000-00-00" → None. Garbage raises ValueError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text == EMPTY_DATE:
        return None
    return dt.date.fromisoformat(text[:10])


def parse_timestamp(value: object) -> dt.datetime | None:
    """ISO 8601 (`Z`, `+00:00` or BambooHR's event form `+0000`) → aware datetime; a naive one is UTC."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
        text = f"{text[:-2]}:{text[-2:]}"
    instant = dt.datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def work_type(label: object) -> c.WorkType | None:
    return WORK_TYPES.get(str(label or "").strip().lower())


def leave_type(name: object) -> c.LeaveType | None:
    text = str(name or "").lower()
    return next((kind for word, kind in LEAVE_TYPE_KEYWORDS if word in text), None)


def candidate_source(value: object) -> c.CandidateSource | None:
    key = "".join(ch for ch in str(value or "").lower() if ch.isalnum())
    if not key:
        return None
    return CANDIDATE_SOURCES.get(key, c.CandidateSource.OTHER)


def ats_status(code: object, label: object) -> tuple[c.CandidateStage | None, c.CandidateStatus]:
    """(stage, status) of an application status: by its code, then by keywords of its label."""
    found = ATS_STATUS_CODES.get(str(code or "").upper())
    if found:
        return found
    text = str(label or "").lower()
    return next((value for word, value in ATS_LABEL_KEYWORDS if word in text), DEFAULT_ATS_STATUS)
