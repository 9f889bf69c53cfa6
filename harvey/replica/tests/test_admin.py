"""Every replica model has a working, read-only admin: HR admins look, the HRMS stays the source of truth."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from harvey.replica.models import Employee
from harvey.replica.registry import REPLICA_MODELS


@pytest.fixture
def employees(organization) -> tuple[Employee, Employee]:
    common = {"organization": organization, "employment_status": "active", "hrms_type": "mock"}
    live = Employee.objects.create(
        external_id="emp-1", employee_id="EMP001", first_name="Live", email="live@x.example", **common
    )
    gone = Employee.objects.create(
        external_id="emp-2",
        employee_id="EMP002",
        first_name="Gone",
        email="gone@x.example",
        deleted_at=timezone.now(),
        **common,
    )
    return live, gone


@pytest.mark.parametrize("entity", list(REPLICA_MODELS))
def test_every_replica_model_is_registered_read_only(entity: str, admin_client) -> None:
    model = REPLICA_MODELS[entity]
    assert admin.site.is_registered(model)
    url = reverse(f"admin:replica_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse(f"admin:replica_{model._meta.model_name}_add")).status_code == 403


def test_the_changelist_hides_records_deleted_in_the_hrms(admin_client, employees) -> None:
    html = admin_client.get(reverse("admin:replica_employee_changelist")).content.decode()
    assert "live@x.example" in html
    assert "gone@x.example" not in html


def test_deleted_records_are_shown_on_request(admin_client, employees) -> None:
    url = reverse("admin:replica_employee_changelist") + "?hrms_state=deleted"
    html = admin_client.get(url).content.decode()
    assert "gone@x.example" in html
    assert "live@x.example" not in html


def test_search_finds_an_employee_by_email(admin_client, employees) -> None:
    url = reverse("admin:replica_employee_changelist") + "?q=live@x"
    assert "live@x.example" in admin_client.get(url).content.decode()


def test_a_deleted_record_can_still_be_viewed(admin_client, employees) -> None:
    _, gone = employees
    response = admin_client.get(reverse("admin:replica_employee_change", args=[gone.pk]))
    assert response.status_code == 200
