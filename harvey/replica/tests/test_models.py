"""Replica rows are scoped to an organization, unique per HRMS id, and soft-deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from harvey.organizations.models import Organization
from harvey.replica.models import Employee, LeaveRequest
from harvey.replica.registry import canonical_to_row
from hrmodel import canonical as c


def make_employee(organization: Organization, external_id: str, **fields) -> Employee:
    defaults = {
        "employee_id": external_id.upper(),
        "first_name": "Test",
        "email": f"{external_id}@example.com",
        "employment_status": "active",
        "hrms_type": "mock",
    }
    return Employee.objects.create(organization=organization, external_id=external_id, **{**defaults, **fields})


@pytest.fixture
def other_organization(db) -> Organization:
    return Organization.objects.create(name="Globex", slug="globex")


def test_an_hrms_id_is_unique_within_an_organization(organization) -> None:
    make_employee(organization, "emp-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_employee(organization, "emp-1")


def test_two_organizations_may_use_the_same_hrms_id(organization, other_organization) -> None:
    make_employee(organization, "emp-1")
    make_employee(other_organization, "emp-1")
    assert Employee.objects.filter(external_id="emp-1").count() == 2


def test_soft_deleted_records_are_hidden_by_default_but_kept(organization) -> None:
    gone = make_employee(organization, "emp-1", deleted_at=timezone.now())
    make_employee(organization, "emp-2")
    assert list(Employee.objects.values_list("external_id", flat=True)) == ["emp-2"]
    assert Employee.all_objects.filter(pk=gone.pk).exists()
    assert gone.is_deleted


def test_a_deleted_manager_is_still_reachable_from_a_report(organization) -> None:
    manager = make_employee(organization, "emp-1", deleted_at=timezone.now())
    report = make_employee(organization, "emp-2", manager_id="emp-1", manager_ref=manager)
    assert Employee.objects.get(pk=report.pk).manager_ref == manager
    assert list(manager.direct_reports.all()) == [report]


def test_a_manager_not_yet_synced_leaves_the_reference_to_resolve_later(organization) -> None:
    report = make_employee(organization, "emp-2", manager_id="emp-9")
    assert report.manager_ref is None
    manager = make_employee(organization, "emp-9")
    Employee.objects.filter(organization=organization, manager_id="emp-9").update(manager_ref=manager)
    report.refresh_from_db()
    assert report.manager_ref == manager


def test_a_canonical_row_can_be_written_straight_into_the_model(organization) -> None:
    record = c.LeaveRequest(
        id="lr-1",
        leave_request_id="LR001",
        employee_id="emp-1",
        leave_type="annual",
        start_date="2025-02-03",
        end_date="2025-02-05",
        total_days=3,
        status="approved",
        updated_at=dt.datetime(2025, 1, 20, tzinfo=dt.UTC),
    )
    LeaveRequest.objects.create(organization=organization, **canonical_to_row("leave_requests", record))
    stored = LeaveRequest.objects.get(organization=organization, external_id="lr-1")
    assert (stored.leave_type, stored.total_days, stored.end_date) == ("annual", 3, dt.date(2025, 2, 5))
