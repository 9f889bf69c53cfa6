"""The pure mappers against recorded simulator payloads (fixtures/, named by scenario)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest

from integrations.hrms.errors import InvalidRecord

from .. import mappers, org_units

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


def test_an_active_employee_maps_every_field_bamboohr_carries():
    employee = mappers.to_canonical_employee(
        fixture("employee_active.json"), department_ids=org_units.department_ids(fixture("meta_lists.json"))
    )
    assert (employee.id, employee.employee_id, employee.first_name) == ("5", "EMP00005", "Aishani")
    assert employee.email == "aishani.khalsa@harveycorp.com"
    assert (employee.manager_id, employee.manager_name) == ("1", "Falak Dasgupta")
    assert employee.department == "Finance"
    assert employee.department_id.startswith("dept-")
    assert (employee.employment_status, employee.work_type) == ("active", "full_time")
    assert employee.hire_date == dt.date(2015, 4, 28)
    assert employee.updated_at.tzinfo is not None


def test_ids_come_out_as_strings_even_when_bamboohr_sends_numbers():
    raw = {**fixture("employee_active.json"), "id": 5, "supervisorEId": 1}
    employee = mappers.to_canonical_employee(raw)
    assert (employee.id, employee.manager_id) == ("5", "1")


def test_an_inactive_employee_is_terminated_with_the_work_type_from_the_employment_table():
    employee = mappers.to_canonical_employee(
        fixture("employee_terminated.json"), employment_rows=fixture("employment_status_rows_terminated.json")
    )
    assert employee.employment_status == "terminated"
    assert employee.termination_date == dt.date(2022, 12, 7)
    assert employee.work_type == "full_time"


def test_zero_dates_become_null():
    employee = mappers.to_canonical_employee(fixture("employee_zero_dates_edited.json"))
    assert (employee.hire_date, employee.termination_date, employee.manager_id) == (None, None, None)


def test_an_active_employee_with_a_termination_date_is_serving_notice():
    raw = {**fixture("employee_active.json"), "terminationDate": "2027-01-31"}
    assert mappers.to_canonical_employee(raw).employment_status == "notice_period"


def test_an_employee_without_an_email_is_an_invalid_record_carrying_the_payload():
    raw = {**fixture("employee_active.json"), "workEmail": None}
    with pytest.raises(InvalidRecord) as caught:
        mappers.to_canonical_employee(raw)
    assert caught.value.payload == raw
    assert "email" in caught.value.reason


def test_an_unreadable_date_is_an_invalid_record_not_a_crash():
    with pytest.raises(InvalidRecord, match="unreadable"):
        mappers.to_canonical_employee({**fixture("employee_active.json"), "hireDate": "31/12/2020"})


def test_a_deleted_change_becomes_a_tombstone():
    change = fixture("employees_changed_update_and_delete.json")["employees"]
    deleted = next(entry for entry in change.values() if entry["action"] == "Deleted")
    tombstone = mappers.to_canonical_tombstone(deleted)
    assert tombstone.deleted
    assert tombstone.id == deleted["id"]
    assert tombstone.updated_at.tzinfo is not None


def test_departments_come_from_the_lists_with_their_division_as_parent():
    departments, invalid = org_units.to_canonical_departments(
        fixture("meta_lists.json"), fixture("custom_report_employees.json")["employees"]
    )
    by_name = {d.name: d for d in departments}
    assert invalid == []
    assert by_name["Finance"].parent_id == by_name["Corporate"].id
    assert by_name["Corporate"].id.startswith("div-")
    assert by_name["Finance"].id.startswith("dept-")


def test_time_off_requests_map_type_status_and_amount():
    raw = fixture("time_off_requests_window.json")[0]
    leave = mappers.to_canonical_leave_request(raw)
    assert leave.id == raw["id"]
    assert leave.employee_id == raw["employeeId"]
    assert leave.total_days == float(raw["amount"]["amount"])
    assert leave.status in ("approved", "pending", "rejected", "cancelled")


@pytest.mark.parametrize(
    ("bamboo", "canonical"),
    [("requested", "pending"), ("approved", "approved"), ("denied", "rejected"), ("canceled", "cancelled"),
     ("superceded", "cancelled")],
)  # fmt: skip
def test_time_off_statuses_use_bamboohr_spellings(bamboo, canonical):
    raw = fixture("time_off_requests_window.json")[0]
    raw["status"]["status"] = bamboo
    assert mappers.to_canonical_leave_request(raw).status == canonical


def test_time_off_in_hours_is_converted_to_days():
    leave = mappers.to_canonical_leave_request(fixture("time_off_request_superceded_in_hours_edited.json"))
    assert (leave.total_days, leave.status) == (1.5, "cancelled")


def test_an_unknown_time_off_type_is_an_invalid_record():
    raw = fixture("time_off_requests_window.json")[0]
    raw["type"]["name"] = "Jury Duty"
    with pytest.raises(InvalidRecord, match="leave_type"):
        mappers.to_canonical_leave_request(raw)


def test_calculator_strings_become_numbers():
    balance = mappers.to_canonical_leave_balance(fixture("time_off_calculator.json"), employee_id="5", year=2026)
    annual = next(entry for entry in balance.leave_balances if entry.leave_type == "annual")
    assert (annual.available, annual.used, annual.total_allocated) == (23.0, 1.0, 24.0)


def test_an_ats_job_is_a_requisition_with_its_hiring_lead():
    raw = fixture("ats_jobs.json")[0]
    job = mappers.to_canonical_job_requisition(raw)
    assert job.id == str(raw["id"])
    assert job.title == raw["title"]["label"]
    assert job.hiring_manager_id == str(raw["hiringLead"]["employeeId"])
    assert job.status == raw["status"]["label"].lower()


def test_an_application_detail_is_a_candidate_with_stage_and_source():
    codes = {str(s["id"]): s["code"] for s in fixture("ats_statuses.json")}
    candidate = mappers.to_canonical_candidate(fixture("ats_application_detail.json"), status_codes=codes)
    assert (candidate.id, candidate.applied_for_job_id) == ("1", "8")
    assert (candidate.current_stage, candidate.status, candidate.source) == ("applied", "active", "job_board")
    assert candidate.phone
    assert candidate.linkedin_url
    assert candidate.application_date == dt.date(2026, 10, 22)


def test_an_application_on_hold_keeps_its_status_and_reports_the_stage_as_applied():
    raw = {**fixture("ats_application_detail.json"), "status": {"id": 9, "label": "Put on Hold"}}
    candidate = mappers.to_canonical_candidate(raw)
    assert (candidate.current_stage, candidate.status) == ("applied", "on_hold")
