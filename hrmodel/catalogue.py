"""The entity catalogue: every entity Harvey knows, declared once, and the writes Harvey may make.

Each `Entity` says what the rest of the project would otherwise write out again in its own list: its
schemas (the list shape and the detail shape), which field identifies a record, which other entities it
names (references, resolved into links by the replica), where it sits in a sync's dependency order (the
order of `ENTITIES`), its default schedule, whether it hangs off another entity (a leave balance is one
employee's), where the canonical HRMS API serves it, whether one record can be read by id, and which of its
fields are personal or sensitive (the tools, the API and the compliance work decide access and encryption
from these). The mock HRMS, the adapters, the replica, the sync engine, the cache and the settings derive
their lists from here; a new entity is one declaration here plus the vendors that serve it.

This package is the bottom of the house: it imports nothing else of the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from . import canonical as c


@dataclass(frozen=True)
class Reference:
    """`field` of a record names a record of `target` by its id; the replica resolves it into the link
    `<link>_ref` (`manager_id` -> `manager_ref`)."""

    field: str
    target: str
    link: str

    @property
    def link_field(self) -> str:
        return f"{self.link}_ref"


@dataclass(frozen=True)
class Schedule:
    """A default sync schedule: every `interval_minutes`, or once a day at `daily_at` (HH:MM, business time)."""

    interval_minutes: int | None = None
    daily_at: str | None = None

    def as_settings(self) -> dict[str, object]:
        """The form `HRMSIntegration.sync_settings` stores per entity."""
        if self.daily_at is not None:
            return {"enabled": True, "daily_at": self.daily_at}
        return {"enabled": True, "interval_minutes": self.interval_minutes}


@dataclass(frozen=True)
class Entity:
    name: str  #: the plural name every layer uses ("job_requisitions")
    singular: str  #: one record ("job_requisition"); vendors' mappers are `to_canonical_<singular>`
    record: type[BaseModel]  #: what a list returns
    detail: type[BaseModel]  #: one record in full (the list shape where there is no detail view)
    schedule: Schedule
    api_path: str  #: the canonical HRMS API's list endpoint (the mock HRMS serves it)
    #: The field that identifies a record: `id`, or for an entity that hangs off another, the parent's id.
    id_field: str = "id"
    references: tuple[Reference, ...] = ()
    #: The entity this one hangs off: one record of it per record of the parent (a leave balance per
    #: employee). Its records come and go with the parent's, so it has no roster of its own to sweep, and an
    #: HRMS without a bulk listing is asked for it one parent at a time.
    parent: str | None = None
    #: Whether an HRMS adapter reads one record by id (a quarantined record is read again; a webhook names
    #: records to re-read).
    fetch_one: bool = False
    #: Fields about a person (access rules of the agent's tools and the API; erasure).
    personal: frozenset[str] = frozenset()
    #: Personal fields that only an HR admin sees and that are encrypted at rest (compensation, ratings,
    #: contact data of others, reasons, feedback). Always a subset of `personal`.
    sensitive: frozenset[str] = frozenset()

    @property
    def has_detail_view(self) -> bool:
        """Whether the detail shape carries more than a list item (the canonical API's `view=detail`)."""
        return self.detail is not self.record

    def __post_init__(self) -> None:
        fields = set(self.detail.model_fields)
        unknown = (self.personal | self.sensitive | {ref.field for ref in self.references}) - fields
        if unknown:
            raise ValueError(f"{self.name}: the catalogue names fields its schema does not have: {sorted(unknown)}")
        if not self.sensitive <= self.personal:
            raise ValueError(f"{self.name}: sensitive fields must be personal too: {sorted(self.sensitive)}")


@dataclass(frozen=True)
class Write:
    """A write Harvey may send to an HRMS: its `request` body and the `response` it expects; `entity` is what it
    creates or changes, `target` whether it names an existing record, `affects` whose cached answers it
    makes stale."""

    name: str
    entity: str
    request: type[BaseModel]
    response: type[BaseModel]
    affects: tuple[str, ...]
    target: bool = False


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Every entity, in the order a sync of one organization takes them (whatever an entity names comes first).
ENTITIES: tuple[Entity, ...] = (
    Entity(
        "departments",
        "department",
        c.Department,
        c.Department,
        Schedule(interval_minutes=120),
        "/departments",
        references=(Reference("head_id", "employees", "head"), Reference("parent_id", "departments", "parent")),
        personal=_fields("head_name"),
    ),
    Entity(
        "employees",
        "employee",
        c.Employee,
        c.EmployeeDetail,
        Schedule(interval_minutes=120),
        "/employees",
        references=(
            Reference("manager_id", "employees", "manager"),
            Reference("department_id", "departments", "department"),
        ),
        fetch_one=True,
        personal=_fields(
            "first_name",
            "last_name",
            "email",
            "phone",
            "hire_date",
            "termination_date",
            "location",
            "manager_name",
            "skills",
            "certifications",
            "performance_rating",
            "salary_band",
        ),
        sensitive=_fields("phone", "performance_rating", "salary_band"),
    ),
    Entity(
        "job_requisitions",
        "job_requisition",
        c.JobRequisition,
        c.JobRequisitionDetail,
        Schedule(interval_minutes=60),
        "/job-requisitions",
        references=(Reference("hiring_manager_id", "employees", "hiring_manager"),),
        fetch_one=True,
        personal=_fields("hiring_manager_name"),
        sensitive=frozenset(),
    ),
    Entity(
        "candidates",
        "candidate",
        c.Candidate,
        c.CandidateDetail,
        Schedule(interval_minutes=60),
        "/candidates",
        references=(Reference("applied_for_job_id", "job_requisitions", "job"),),
        fetch_one=True,
        personal=_fields(
            "first_name",
            "last_name",
            "email",
            "phone",
            "resume_url",
            "linkedin_url",
            "skills",
            "experience_years",
            "current_company",
            "current_title",
            "education",
            "interview_history",
        ),
        sensitive=_fields("email", "phone", "resume_url", "linkedin_url"),
    ),
    Entity(
        "interviews",
        "interview",
        c.Interview,
        c.Interview,
        Schedule(interval_minutes=30),
        "/interviews",
        references=(
            Reference("candidate_id", "candidates", "candidate"),
            Reference("job_id", "job_requisitions", "job"),
            Reference("interviewer_id", "employees", "interviewer"),
        ),
        personal=_fields(
            "candidate_name", "interviewer_name", "interviewer_email", "notes", "feedback", "rating", "recommendation"
        ),
        sensitive=_fields("notes", "feedback", "rating", "recommendation"),
    ),
    Entity(
        "leave_requests",
        "leave_request",
        c.LeaveRequest,
        c.LeaveRequest,
        Schedule(daily_at="01:00"),
        "/leave-requests",
        references=(Reference("employee_id", "employees", "employee"),),
        personal=_fields("employee_name", "leave_type", "start_date", "end_date", "total_days", "reason"),
        sensitive=_fields("reason"),
    ),
    Entity(
        "leave_balances",
        "leave_balance",
        c.LeaveBalance,
        c.LeaveBalance,
        Schedule(daily_at="01:00"),
        "/leave-balances",
        id_field="employee_id",
        references=(Reference("employee_id", "employees", "employee"),),
        parent="employees",
        fetch_one=True,
        personal=_fields("leave_balances"),
    ),
)

_RECRUITING = ("candidates", "job_requisitions")
_INTERVIEWING = ("interviews", "candidates")
_LEAVE = ("leave_requests", "leave_balances")

#: Writes, by name (the seed's `create_candidate`, `schedule_interview`, ...).
WRITES: dict[str, Write] = {
    write.name: write
    for write in (
        Write("create_candidate", "candidates", c.CandidateCreate, c.CandidateCreated, _RECRUITING),
        Write("schedule_interview", "interviews", c.InterviewCreate, c.InterviewScheduled, _INTERVIEWING),
        Write("update_interview", "interviews", c.InterviewUpdate, c.Interview, _INTERVIEWING, target=True),
        Write("create_leave_request", "leave_requests", c.LeaveRequestCreate, c.LeaveRequestCreated, _LEAVE),
    )
}

_BY_NAME: dict[str, Entity] = {entity.name: entity for entity in ENTITIES}

#: The entities' names in sync order.
NAMES: tuple[str, ...] = tuple(_BY_NAME)


def entity(name: str) -> Entity:
    """The entity called `name`, or a ValueError that lists the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown entity {name!r}; known: {', '.join(NAMES)}") from None


def referencing(target: str) -> Iterator[tuple[Entity, Reference]]:
    """Every (entity, reference) that names a record of `target`."""
    for each in ENTITIES:
        for reference in each.references:
            if reference.target == target:
                yield each, reference
