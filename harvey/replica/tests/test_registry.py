"""`canonical_to_row` turns a canonical record into the replica model's field values, purely."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models

from harvey.replica.models import Candidate, Employee, LeaveBalance
from harvey.replica.registry import REFERENCES, REPLICA_MODELS, canonical_to_row, canonical_to_rows
from hrmodel import canonical as c
from hrmodel import catalogue

UPDATED = dt.datetime(2025, 1, 15, 9, 30, tzinfo=dt.UTC)


def employee(**changes) -> c.EmployeeDetail:
    data = {
        "id": "emp-42",
        "employee_id": "EMP042",
        "first_name": "Asha",
        "last_name": "Rao",
        "email": "Asha.Rao@Acme.example",
        "department": "Engineering",
        "department_id": "dept-1",
        "manager_id": "emp-7",
        "hire_date": "2021-04-01",
        "employment_status": "active",
        "work_type": "full_time",
        "skills": ["python"],
        "updated_at": UPDATED,
    }
    return c.EmployeeDetail.model_validate({**data, **changes})


def test_every_canonical_entity_has_a_replica_model() -> None:
    assert set(catalogue.NAMES) <= set(REPLICA_MODELS)
    assert REPLICA_MODELS["leave_balances"] is LeaveBalance


def test_id_and_updated_at_become_external_id_and_source_updated_at() -> None:
    row = canonical_to_row("employees", employee())
    assert row["external_id"] == "emp-42"
    assert row["source_updated_at"] == UPDATED
    assert "id" not in row
    assert "updated_at" not in row


def test_canonical_values_are_kept_under_their_canonical_names() -> None:
    row = canonical_to_row("employees", employee())
    assert row["employee_id"] == "EMP042"
    assert row["email"] == "asha.rao@acme.example"
    assert row["manager_id"] == "emp-7"
    assert row["department_id"] == "dept-1"
    assert row["employment_status"] == "active"
    assert row["hire_date"] == dt.date(2021, 4, 1)
    assert row["skills"] == ["python"]


def test_every_row_key_is_a_field_of_the_model() -> None:
    fields = {field.name for field in Employee._meta.concrete_fields}
    assert set(canonical_to_row("employees", employee())) <= fields


def test_a_list_shape_record_does_not_blank_detail_columns() -> None:
    listed = c.Employee.model_validate(employee().model_dump())
    assert "skills" not in canonical_to_row("employees", listed)


def test_nested_values_are_stored_as_json_ready_data() -> None:
    candidate = c.CandidateDetail(
        id="cand-1",
        candidate_id="CAN001",
        first_name="Ravi",
        email="ravi@example.com",
        current_stage="technical_interview",
        status="active",
        applied_for_job_id="req-3",
        education=[{"degree": "B.Tech", "institution": "IIT Madras", "year": 2019}],
        interview_history=[{"interview_id": "int-1", "stage": "screening", "date": "2025-01-10", "status": "passed"}],
    )
    row = canonical_to_row("candidates", candidate)
    assert row["interview_history"][0]["date"] == "2025-01-10"
    assert row["education"][0]["institution"] == "IIT Madras"
    assert row["applied_for_job_id"] == "req-3"
    assert isinstance(Candidate._meta.get_field("interview_history"), models.JSONField)


def test_a_requisition_salary_range_is_a_json_object() -> None:
    requisition = c.JobRequisitionDetail(
        id="req-3",
        requisition_id="REQ003",
        title="Backend Engineer",
        status="open",
        salary_range={"min": 1500000, "max": 2500000, "currency": "inr"},
    )
    assert canonical_to_row("job_requisitions", requisition)["salary_range"] == {
        "min": 1500000,
        "max": 2500000,
        "currency": "INR",
    }


def test_a_leave_balance_becomes_one_row_per_leave_type() -> None:
    balance = c.LeaveBalance(
        employee_id="emp-42",
        year=2025,
        updated_at=UPDATED,
        leave_balances=[
            {"leave_type": "annual", "total_allocated": 20, "used": 5, "pending": 2, "available": 13},
            {"leave_type": "sick", "total_allocated": 10, "used": 1, "pending": 0, "available": 9},
        ],
    )
    rows = canonical_to_rows("leave_balances", balance)
    assert [row["external_id"] for row in rows] == ["emp-42:2025:annual", "emp-42:2025:sick"]
    assert rows[0]["available"] == 13
    assert rows[0]["source_updated_at"] == UPDATED


def test_canonical_to_row_points_leave_balances_to_canonical_to_rows() -> None:
    with pytest.raises(ValueError, match="canonical_to_rows"):
        canonical_to_row("leave_balances", c.LeaveBalance(employee_id="e", year=2025, leave_balances=[]))


def test_an_unknown_entity_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Unknown entity 'payslips'"):
        canonical_to_row("payslips", employee())


def test_every_reference_names_a_foreign_key_and_its_external_id_column() -> None:
    for entity, references in REFERENCES.items():
        model = REPLICA_MODELS[entity]
        for reference in references:
            fk = model._meta.get_field(reference.link_field)
            assert fk.related_model is REPLICA_MODELS[reference.target]
            model._meta.get_field(reference.field)
