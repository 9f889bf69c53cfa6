"""Issue #5: an independent BambooHR client (PyBambooHR, written from BambooHR's documentation by someone else)
works against the simulator over real HTTP with only its base URL changed."""

from __future__ import annotations

import datetime as dt

import pytest
from PyBambooHR.PyBambooHR import PyBambooHR

from mock_hrms.api.testing import LiveMockHRMS
from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app
from mock_hrms.vendors.bamboohr.tests.conftest import KEY


@pytest.fixture(scope="module")
def bamboo():
    with LiveMockHRMS(app=create_bamboohr_app(BambooSettings(seed=42, employees=60))) as server:
        client = PyBambooHR(subdomain="acme", api_key=KEY)
        client.base_url = f"{server.base_url}/api/gateway.php/acme/v1/"  # the one change: its base URL
        yield client


def test_directory(bamboo):
    employees = bamboo.get_employee_directory()
    assert employees[0]["displayName"] == "Falak Dasgupta"


def test_get_employee_with_its_full_field_list(bamboo):
    employee = bamboo.get_employee(5)
    assert employee["id"] == "5"
    assert bamboo.get_employee(employee["supervisorEId"], ["id"])["id"] == employee["supervisorEId"]
    assert employee["terminationDate"] == "0000-00-00"


def test_employee_changes(bamboo):
    changes = bamboo.get_employee_changes(since=dt.datetime(2000, 1, 1))
    assert len(changes["employees"]) == 60
    assert {c["action"] for c in changes["employees"].values()} <= {"Inserted", "Updated"}


def test_time_off_requests_and_whos_out(bamboo):
    requests = bamboo.get_time_off_requests(start_date="2020-01-01", end_date="2030-12-31", status="approved")
    assert requests
    assert {r["status"]["status"] for r in requests} == {"approved"}
    assert isinstance(bamboo.get_whos_out(), list)


def test_meta_users_and_lists(bamboo):
    assert all(u["status"] in ("enabled", "disabled") for u in bamboo.get_meta_users().values())
    assert {item["alias"] for item in bamboo.get_meta_lists()} >= {"department", "division"}


def test_custom_report_from_its_xml_request(bamboo):
    report = bamboo.request_custom_report(["firstName", "department"], report_format="json")
    assert len(report["employees"]) == 60
    assert set(report["employees"][0]) == {"id", "firstName", "department"}


def test_get_all_employees_combines_users_and_directory(bamboo):
    employees = bamboo.get_all_employees(field_list=["firstName", "status"])
    assert employees["1"]["firstName"] == "Falak"
