"""Read-only admin for the replica: HR admins look up what Harvey knows; the HRMS stays the source of truth.

Editing here would be overwritten by the next sync, so rows can be viewed, searched and filtered but not
added, changed or deleted. Records deleted in the HRMS are hidden unless the "In HRMS" filter asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Candidate, Department, Employee, Interview, JobRequisition, LeaveBalance, LeaveRequest


class DeletedInHRMSFilter(admin.SimpleListFilter):
    """Live records by default; deleted ones (tombstoned by the HRMS) on request."""

    title = "in HRMS"
    parameter_name = "hrms_state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("deleted", "Deleted in HRMS"), ("any", "Live and deleted")]

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        for choice in super().choices(changelist):
            if choice["display"] == "All":
                choice["display"] = "Live"
            yield choice

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "any":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


class ReplicaAdmin(admin.ModelAdmin):
    list_filter: tuple[Any, ...] = ()
    common_filters = (DeletedInHRMSFilter, "organization", "hrms_type")
    list_select_related = ["organization"]
    list_per_page = 50
    date_hierarchy = None

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [*self.common_filters, *self.list_filter]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.model.all_objects.select_related(*self.list_select_related)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(ReplicaAdmin):
    list_display = ["name", "department_id", "head_name", "employee_count", "location", "organization"]
    search_fields = ["name", "department_id", "external_id", "head_name"]
    list_filter = ("location",)


@admin.register(Employee)
class EmployeeAdmin(ReplicaAdmin):
    list_display = [
        "full_name",
        "email",
        "employee_id",
        "job_title",
        "department",
        "manager_name",
        "employment_status",
        "organization",
    ]
    search_fields = ["first_name", "last_name", "email", "employee_id", "external_id", "job_title"]
    list_filter = ("employment_status", "work_type", "department", "location")


@admin.register(JobRequisition)
class JobRequisitionAdmin(ReplicaAdmin):
    list_display = [
        "title",
        "requisition_id",
        "department",
        "hiring_manager_name",
        "status",
        "headcount",
        "filled_positions",
        "target_hire_date",
        "organization",
    ]
    search_fields = ["title", "requisition_id", "external_id", "hiring_manager_name"]
    list_filter = ("status", "job_type", "department", "location")


@admin.register(Candidate)
class CandidateAdmin(ReplicaAdmin):
    list_display = [
        "__str__",
        "email",
        "applied_for_job_title",
        "current_stage",
        "status",
        "source",
        "application_date",
        "organization",
    ]
    search_fields = ["first_name", "last_name", "email", "candidate_id", "external_id", "applied_for_job_title"]
    list_filter = ("current_stage", "status", "source")


@admin.register(Interview)
class InterviewAdmin(ReplicaAdmin):
    list_display = [
        "interview_id",
        "candidate_name",
        "job_title",
        "interviewer_name",
        "interview_type",
        "scheduled_date",
        "status",
        "organization",
    ]
    search_fields = ["interview_id", "external_id", "candidate_name", "interviewer_name", "job_title"]
    list_filter = ("status", "interview_type", "recommendation")


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ReplicaAdmin):
    list_display = [
        "leave_request_id",
        "employee_name",
        "leave_type",
        "start_date",
        "end_date",
        "total_days",
        "status",
        "organization",
    ]
    search_fields = ["leave_request_id", "external_id", "employee_id", "employee_name"]
    list_filter = ("status", "leave_type")


@admin.register(LeaveBalance)
class LeaveBalanceAdmin(ReplicaAdmin):
    list_display = [
        "employee_id",
        "year",
        "leave_type",
        "total_allocated",
        "used",
        "pending",
        "available",
        "organization",
    ]
    search_fields = ["employee_id", "external_id"]
    list_filter = ("year", "leave_type")
