"""The canonical HR model's schemas: the one vocabulary every HRMS is translated into.

The mock HRMS API of the requirements document *is* the canonical model (docs/architecture.md §2): field names and
shapes here are exactly the seed's JSON examples, so a client written from the seed reads them unchanged.
On top of the seed every entity carries `updated_at` (the source's last-modified time, for incremental
sync) and list endpoints can return tombstones for deleted records.

This module is pure pydantic (no Django, nothing else of the project) because every layer shares it: the
mock HRMS serves these shapes, every adapter maps its vendor's payloads onto them (and reports a payload that
does not fit as an invalid record), and Harvey's replica stores them. Which entities exist, in what order
they sync and what each of them is made of is declared once, in `hrmodel.catalogue`.

Reading models ignore unknown keys (an HRMS adding a field must not break a sync); request models forbid
them (a typo in a write must come back as a clear 422, not be silently dropped).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

# --------------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------------


class EmploymentStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    PROBATION = "probation"
    NOTICE_PERIOD = "notice_period"
    TERMINATED = "terminated"


class WorkType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    INTERN = "intern"


class RequisitionStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    FILLED = "filled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CandidateStage(StrEnum):
    APPLIED = "applied"
    SCREENING = "screening"
    TECHNICAL_INTERVIEW = "technical_interview"
    MANAGER_INTERVIEW = "manager_interview"
    HR_INTERVIEW = "hr_interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"


class CandidateStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class CandidateSource(StrEnum):
    LINKEDIN = "linkedin"
    REFERRAL = "referral"
    CAREERS_PAGE = "careers_page"
    JOB_BOARD = "job_board"
    AGENCY = "agency"
    CAMPUS = "campus"
    OTHER = "other"


class InterviewType(StrEnum):
    SCREENING = "screening"
    TECHNICAL = "technical"
    SYSTEM_DESIGN = "system_design"
    MANAGERIAL = "managerial"
    BEHAVIORAL = "behavioral"
    HR = "hr"


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Recommendation(StrEnum):
    STRONG_HIRE = "strong_hire"
    PROCEED_TO_NEXT_ROUND = "proceed_to_next_round"
    HOLD = "hold"
    REJECT = "reject"


class InterviewOutcome(StrEnum):
    """Status of an entry in a candidate's `interview_history` (seed: "passed")."""

    SCHEDULED = "scheduled"
    PASSED = "passed"
    FAILED = "failed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class LeaveType(StrEnum):
    ANNUAL = "annual"
    SICK = "sick"
    CASUAL = "casual"
    MATERNITY = "maternity"
    PATERNITY = "paternity"
    UNPAID = "unpaid"


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# --------------------------------------------------------------------------------------------------
# Base classes
# --------------------------------------------------------------------------------------------------

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", to_lower=True),
]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Bounded free text: the replica stores these in 255-character columns, so a longer value must be an
# invalid record (quarantined with its reason) rather than a database error that fails a whole batch.
ShortStr = Annotated[str, StringConstraints(max_length=255)]


class CanonicalModel(BaseModel):
    """A record read from an HRMS. Unknown keys are ignored; `updated_at` is the source's clock."""

    model_config = ConfigDict(extra="ignore", frozen=False, use_enum_values=True)


class RequestModel(BaseModel):
    """A write Harvey sends to an HRMS. Unknown keys are an error, so a typo cannot be silently lost."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class Record(CanonicalModel):
    """Every synced entity: its HRMS id and the HRMS's last-modified time."""

    id: ExternalId
    updated_at: AwareDatetime | None = None


class Tombstone(CanonicalModel):
    """A deleted record as list endpoints return it with `include_deleted=true`."""

    id: ExternalId
    deleted: bool = True
    updated_at: AwareDatetime


# --------------------------------------------------------------------------------------------------
# Employees and organisation
# --------------------------------------------------------------------------------------------------


class Employee(Record):
    employee_id: ExternalId
    first_name: NonEmptyStr
    last_name: str = ""
    email: Email
    phone: ShortStr | None = None
    department: ShortStr | None = None
    department_id: ShortStr | None = None
    job_title: ShortStr | None = None
    manager_id: ShortStr | None = None
    hire_date: dt.date | None = None
    termination_date: dt.date | None = None
    employment_status: EmploymentStatus
    location: ShortStr | None = None
    work_type: WorkType | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class EmployeeDetail(Employee):
    manager_name: ShortStr | None = None
    skills: list[str] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)
    performance_rating: float | None = Field(default=None, ge=0, le=5)
    salary_band: ShortStr | None = None


class Department(Record):
    department_id: ExternalId
    name: NonEmptyStr
    head_id: ShortStr | None = None
    head_name: ShortStr | None = None
    employee_count: int = Field(default=0, ge=0)
    location: ShortStr | None = None
    parent_id: ShortStr | None = None


class ReportingChainLink(CanonicalModel):
    level: int = Field(ge=1)
    employee_id: ExternalId
    name: ShortStr
    title: ShortStr | None = None


class ReportingChain(CanonicalModel):
    employee_id: ExternalId
    employee_name: ShortStr
    reporting_chain: list[ReportingChainLink]


# --------------------------------------------------------------------------------------------------
# Recruiting
# --------------------------------------------------------------------------------------------------


class SalaryRange(CanonicalModel):
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)] = "INR"

    @model_validator(mode="after")
    def _min_not_above_max(self) -> SalaryRange:
        if self.min > self.max:
            raise ValueError("salary_range.min is above salary_range.max")
        return self


class JobRequisition(Record):
    requisition_id: ShortStr
    title: NonEmptyStr
    department: ShortStr | None = None
    hiring_manager_id: ShortStr | None = None
    hiring_manager_name: ShortStr | None = None
    status: RequisitionStatus
    headcount: int = Field(default=1, ge=0)
    filled_positions: int = Field(default=0, ge=0)
    location: ShortStr | None = None
    job_type: WorkType | None = None
    created_date: dt.date | None = None
    target_hire_date: dt.date | None = None


class JobRequisitionDetail(JobRequisition):
    description: str = ""
    requirements: list[str] = Field(default_factory=list)
    nice_to_have: list[str] = Field(default_factory=list)
    salary_range: SalaryRange | None = None


class Education(CanonicalModel):
    degree: ShortStr
    field: ShortStr | None = None
    institution: ShortStr
    year: int | None = Field(default=None, ge=1900, le=2100)


class InterviewHistoryEntry(CanonicalModel):
    interview_id: ExternalId
    stage: ShortStr
    interviewer_id: ShortStr | None = None
    interviewer_name: ShortStr | None = None
    date: dt.date
    status: InterviewOutcome
    feedback: str | None = None


class Candidate(Record):
    candidate_id: ExternalId
    first_name: NonEmptyStr
    last_name: str = ""
    email: Email
    phone: ShortStr | None = None
    current_stage: CandidateStage
    applied_for_job_id: ShortStr | None = None
    applied_for_job_title: ShortStr | None = None
    source: CandidateSource | None = None
    application_date: dt.date | None = None
    status: CandidateStatus


class CandidateDetail(Candidate):
    resume_url: str | None = None
    linkedin_url: str | None = None
    skills: list[str] = Field(default_factory=list)
    experience_years: float | None = Field(default=None, ge=0, le=70)
    current_company: ShortStr | None = None
    current_title: ShortStr | None = None
    education: list[Education] = Field(default_factory=list)
    interview_history: list[InterviewHistoryEntry] = Field(default_factory=list)


class CandidateCreate(RequestModel):
    first_name: NonEmptyStr
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = ""
    email: Email
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    applied_for_job_id: ExternalId
    source: CandidateSource = CandidateSource.OTHER
    resume_url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    linkedin_url: Annotated[str, StringConstraints(max_length=2048)] | None = None


class CandidateCreated(CanonicalModel):
    id: ExternalId
    candidate_id: ExternalId
    status: str = "created"
    message: str = "Candidate successfully added to the system"


class Interview(Record):
    interview_id: ExternalId
    candidate_id: ExternalId
    candidate_name: ShortStr | None = None
    job_id: ShortStr | None = None
    job_title: ShortStr | None = None
    interviewer_id: ShortStr | None = None
    interviewer_name: ShortStr | None = None
    interviewer_email: ShortStr | None = None
    scheduled_date: AwareDatetime
    duration_minutes: int = Field(default=60, ge=5, le=480)
    interview_type: InterviewType
    status: InterviewStatus
    meeting_link: str | None = None
    calendar_event_id: ShortStr | None = None
    notes: str | None = None
    feedback: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    recommendation: Recommendation | None = None


class InterviewCreate(RequestModel):
    candidate_id: ExternalId
    job_id: ExternalId
    interviewer_id: ExternalId
    scheduled_date: AwareDatetime
    duration_minutes: int = Field(default=60, ge=5, le=480)
    interview_type: InterviewType
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None


class InterviewScheduled(CanonicalModel):
    id: ExternalId
    interview_id: ExternalId
    status: InterviewStatus = InterviewStatus.SCHEDULED
    meeting_link: str | None = None
    calendar_event_id: ShortStr | None = None
    message: str = "Interview successfully scheduled"


class InterviewUpdate(RequestModel):
    """PATCH body: record an outcome, cancel, or reschedule (a new `scheduled_date`)."""

    status: InterviewStatus | None = None
    feedback: Annotated[str, StringConstraints(max_length=10000)] | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    recommendation: Recommendation | None = None
    scheduled_date: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    interviewer_id: ExternalId | None = None
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> InterviewUpdate:
        if not self.model_fields_set:
            raise ValueError("an interview update must change at least one field")
        return self


# --------------------------------------------------------------------------------------------------
# Leave
# --------------------------------------------------------------------------------------------------


class LeaveRequest(Record):
    leave_request_id: ExternalId
    employee_id: ExternalId
    employee_name: ShortStr | None = None
    leave_type: LeaveType
    start_date: dt.date
    end_date: dt.date
    total_days: float = Field(ge=0)
    status: LeaveStatus
    applied_date: dt.date | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _end_not_before_start(self) -> LeaveRequest:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class LeaveRequestCreate(RequestModel):
    employee_id: ExternalId
    leave_type: LeaveType
    start_date: dt.date
    end_date: dt.date
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class LeaveRequestCreated(CanonicalModel):
    id: ExternalId
    leave_request_id: ExternalId
    status: LeaveStatus = LeaveStatus.PENDING
    message: str = "Leave request submitted successfully"


class LeaveBalanceEntry(CanonicalModel):
    leave_type: LeaveType
    total_allocated: float = Field(ge=0)
    used: float = Field(ge=0)
    pending: float = Field(ge=0)
    available: float


class LeaveBalance(CanonicalModel):
    employee_id: ExternalId
    leave_balances: list[LeaveBalanceEntry]
    year: int
    updated_at: AwareDatetime | None = None


# --------------------------------------------------------------------------------------------------
# Envelopes and errors
# --------------------------------------------------------------------------------------------------

T = TypeVar("T")


class Page(CanonicalModel, Generic[T]):
    """The seed's list envelope plus `next_cursor` for keyset paging (None on the last page)."""

    data: list[T]
    total: int
    page: int = 1
    page_size: int
    next_cursor: ShortStr | None = None


class ErrorBody(CanonicalModel):
    """Every 4xx/5xx of the mock HRMS: a machine-readable code and a sentence for a person."""

    error: ShortStr
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)
