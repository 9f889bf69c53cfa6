"""Harvey's local copy of each organization's HR data.

Field names equal the canonical model's (integrations/hrms/canonical.py, detail shapes) so a sync writes
canonical values straight in; `id` is stored as `external_id` and `updated_at` as `source_updated_at`.
A reference keeps the canonical external-id column (`manager_id`, `job_id`, ...) and adds the resolved
foreign key beside it with a `_ref` suffix (`manager_ref`, `job_ref`, ...): a `<name>` foreign key would
itself occupy the column `<name>_id`. References are resolved after a batch is written, so a record whose
manager is not synced yet simply has `manager_ref` NULL until the manager arrives.
"""

from __future__ import annotations

from django.db import models

from hrmodel import canonical as c

from .base import ID_LENGTH, REF_LENGTH, TEXT_LENGTH, ReplicaRecord, enum_choices, optional_char, optional_text


def _ref(to: str, related_name: str) -> models.ForeignKey:
    """A resolved reference. Its own index serves "reports of X", "candidates of job Y": a foreign key
    already implies the organization, so an (organization, fk) index would only duplicate it.

    No database constraint: the link is derived data — the sync writes it only from a row it just found in
    the same organization, and the external id beside it is the truth — so a constraint would buy nothing
    but a trigger lookup per written row (a second per-row index probe in a 100k-employee sync). Django's
    collector still applies SET_NULL when a target row is deleted."""
    return models.ForeignKey(
        to, on_delete=models.SET_NULL, null=True, blank=True, related_name=related_name, db_constraint=False
    )


def _index(name: str, *fields: str) -> models.Index:
    return models.Index(fields=["organization", *fields], name=name)


class Department(ReplicaRecord):
    department_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=TEXT_LENGTH)
    head_id = optional_char(REF_LENGTH)
    head_name = optional_char(TEXT_LENGTH)
    employee_count = models.PositiveIntegerField(default=0)
    location = optional_char(TEXT_LENGTH)
    parent_id = optional_char(REF_LENGTH)
    head_ref = _ref("replica.Employee", "headed_departments")
    parent_ref = _ref("replica.Department", "subdepartments")

    class Meta(ReplicaRecord.Meta):
        ordering = ["name"]
        indexes = [
            _index("dept_org_department_id", "department_id"),
            _index("dept_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return self.name


class Employee(ReplicaRecord):
    employee_id = models.CharField(max_length=ID_LENGTH)
    first_name = models.CharField(max_length=TEXT_LENGTH)
    last_name = models.CharField(max_length=TEXT_LENGTH, blank=True, default="")
    email = models.EmailField(max_length=254)
    phone = optional_char(TEXT_LENGTH)
    department = optional_char(TEXT_LENGTH)
    department_id = optional_char(REF_LENGTH)
    job_title = optional_char(TEXT_LENGTH)
    manager_id = optional_char(REF_LENGTH)
    manager_name = optional_char(TEXT_LENGTH)
    hire_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)
    employment_status = models.CharField(max_length=32, choices=enum_choices(c.EmploymentStatus))
    location = optional_char(TEXT_LENGTH)
    work_type = optional_char(32, choices=enum_choices(c.WorkType))
    skills = models.JSONField(default=list, blank=True)
    certifications = models.JSONField(default=list, blank=True)
    performance_rating = models.FloatField(null=True, blank=True)
    salary_band = optional_char(TEXT_LENGTH)
    manager_ref = _ref("replica.Employee", "direct_reports")
    department_ref = _ref("replica.Department", "employees")

    class Meta(ReplicaRecord.Meta):
        ordering = ["first_name", "last_name"]
        indexes = [
            _index("emp_org_email", "email"),
            _index("emp_org_employee_id", "employee_id"),
            _index("emp_org_department_id", "department_id"),
            _index("emp_org_status", "employment_status"),
            _index("emp_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class JobRequisition(ReplicaRecord):
    requisition_id = models.CharField(max_length=ID_LENGTH)
    title = models.CharField(max_length=TEXT_LENGTH)
    department = optional_char(TEXT_LENGTH)
    hiring_manager_id = optional_char(REF_LENGTH)
    hiring_manager_name = optional_char(TEXT_LENGTH)
    status = models.CharField(max_length=32, choices=enum_choices(c.RequisitionStatus))
    headcount = models.PositiveIntegerField(default=1)
    filled_positions = models.PositiveIntegerField(default=0)
    location = optional_char(TEXT_LENGTH)
    job_type = optional_char(32, choices=enum_choices(c.WorkType))
    created_date = models.DateField(null=True, blank=True)
    target_hire_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, default="")
    requirements = models.JSONField(default=list, blank=True)
    nice_to_have = models.JSONField(default=list, blank=True)
    salary_range = models.JSONField(null=True, blank=True)
    hiring_manager_ref = _ref("replica.Employee", "hiring_requisitions")

    class Meta(ReplicaRecord.Meta):
        verbose_name = "job requisition"
        ordering = ["title"]
        indexes = [
            _index("req_org_status", "status"),
            _index("req_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return self.title


class Candidate(ReplicaRecord):
    candidate_id = models.CharField(max_length=ID_LENGTH)
    first_name = models.CharField(max_length=TEXT_LENGTH)
    last_name = models.CharField(max_length=TEXT_LENGTH, blank=True, default="")
    email = models.EmailField(max_length=254)
    phone = optional_char(TEXT_LENGTH)
    current_stage = models.CharField(max_length=32, choices=enum_choices(c.CandidateStage))
    applied_for_job_id = optional_char(REF_LENGTH)
    applied_for_job_title = optional_char(TEXT_LENGTH)
    source = optional_char(32, choices=enum_choices(c.CandidateSource))
    application_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=enum_choices(c.CandidateStatus))
    resume_url = optional_text()
    linkedin_url = optional_text()
    skills = models.JSONField(default=list, blank=True)
    experience_years = models.FloatField(null=True, blank=True)
    current_company = optional_char(TEXT_LENGTH)
    current_title = optional_char(TEXT_LENGTH)
    education = models.JSONField(default=list, blank=True)
    interview_history = models.JSONField(default=list, blank=True)
    job_ref = _ref("replica.JobRequisition", "candidates")

    class Meta(ReplicaRecord.Meta):
        ordering = ["first_name", "last_name"]
        indexes = [
            _index("cand_org_email", "email"),
            _index("cand_org_job_id", "applied_for_job_id"),
            _index("cand_org_stage", "current_stage"),
            _index("cand_org_status", "status"),
            _index("cand_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Interview(ReplicaRecord):
    interview_id = models.CharField(max_length=ID_LENGTH)
    candidate_id = models.CharField(max_length=REF_LENGTH)
    candidate_name = optional_char(TEXT_LENGTH)
    job_id = optional_char(REF_LENGTH)
    job_title = optional_char(TEXT_LENGTH)
    interviewer_id = optional_char(REF_LENGTH)
    interviewer_name = optional_char(TEXT_LENGTH)
    interviewer_email = optional_char(254)
    scheduled_date = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    interview_type = models.CharField(max_length=32, choices=enum_choices(c.InterviewType))
    status = models.CharField(max_length=32, choices=enum_choices(c.InterviewStatus))
    meeting_link = optional_text()
    calendar_event_id = optional_char(TEXT_LENGTH)
    notes = optional_text()
    feedback = optional_text()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    recommendation = optional_char(32, choices=enum_choices(c.Recommendation))
    candidate_ref = _ref("replica.Candidate", "interviews")
    job_ref = _ref("replica.JobRequisition", "interviews")
    interviewer_ref = _ref("replica.Employee", "interviews_conducted")

    class Meta(ReplicaRecord.Meta):
        ordering = ["-scheduled_date"]
        indexes = [
            _index("intv_org_candidate_id", "candidate_id"),
            _index("intv_org_status_date", "status", "scheduled_date"),
            _index("intv_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.interview_type} interview {self.interview_id}"


class LeaveRequest(ReplicaRecord):
    leave_request_id = models.CharField(max_length=ID_LENGTH)
    employee_id = models.CharField(max_length=REF_LENGTH)
    employee_name = optional_char(TEXT_LENGTH)
    leave_type = models.CharField(max_length=32, choices=enum_choices(c.LeaveType))
    start_date = models.DateField()
    end_date = models.DateField()
    total_days = models.FloatField()
    status = models.CharField(max_length=32, choices=enum_choices(c.LeaveStatus))
    applied_date = models.DateField(null=True, blank=True)
    reason = optional_text()
    employee_ref = _ref("replica.Employee", "leave_requests")

    class Meta(ReplicaRecord.Meta):
        ordering = ["-start_date"]
        indexes = [
            _index("leave_org_employee_id", "employee_id"),
            _index("leave_org_status", "status"),
            _index("leave_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type} leave {self.start_date}–{self.end_date}"


class LeaveBalance(ReplicaRecord):
    """One leave type of one employee in one year; `external_id` is `f"{employee_id}:{year}:{leave_type}"`."""

    employee_id = models.CharField(max_length=REF_LENGTH)
    year = models.PositiveSmallIntegerField()
    leave_type = models.CharField(max_length=32, choices=enum_choices(c.LeaveType))
    total_allocated = models.FloatField()
    used = models.FloatField()
    pending = models.FloatField()
    available = models.FloatField()
    employee_ref = _ref("replica.Employee", "leave_balances")

    class Meta(ReplicaRecord.Meta):
        ordering = ["employee_id", "-year", "leave_type"]
        indexes = [
            _index("bal_org_employee_year", "employee_id", "year"),
            _index("bal_org_source_updated", "source_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.year} {self.leave_type}"

    @staticmethod
    def make_external_id(employee_id: str, year: int, leave_type: str) -> str:
        return f"{employee_id}:{year}:{leave_type}"
