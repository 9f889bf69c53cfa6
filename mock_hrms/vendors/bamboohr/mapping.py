"""The world rendered as BambooHR data: divisions, vocabularies, employee fields, table rows.

Everything that decides "what would BambooHR say about this world record" lives here, so the simulator's
routes only select and page. Values are strings as BambooHR sends them; empty dates are "0000-00-00".
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mock_hrms.vendors.bamboohr.ids import to_bamboo
from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.generate_context import BUSINESS_TZ
from mock_hrms.world.records import full_name

if TYPE_CHECKING:
    from mock_hrms.world import World

EMPTY_DATE = "0000-00-00"  # BambooHR's "no date" (third-party fixtures; docs/vendors/bamboohr.md §8)
CURRENCY = "INR"

# BambooHR has no department entity: a department belongs to a division (docs/vendors/bamboohr.md §2).
DIVISIONS: dict[str, str] = {
    "Engineering": "Technology", "Product": "Technology", "Data Science": "Technology", "Design": "Technology",
    "IT": "Technology", "Sales": "Go-to-market", "Marketing": "Go-to-market", "Customer Success": "Go-to-market",
    "Executive Office": "Corporate", "Finance": "Corporate", "Human Resources": "Corporate",
    "Operations": "Corporate",
}  # fmt: skip
DEFAULT_DIVISION = "Corporate"

EMPLOYMENT_TYPES = {"full_time": "Full-Time", "part_time": "Part-Time", "contract": "Contractor", "intern": "Intern"}
TERMINATED = "Terminated"

# World leave types as BambooHR time-off types: (id, name); units are days everywhere.
TIME_OFF_TYPES: dict[str, tuple[str, str]] = {
    "annual": ("77", "Vacation"), "sick": ("78", "Sick"), "casual": ("79", "Casual Leave"),
    "maternity": ("80", "Maternity Leave"), "paternity": ("81", "Paternity Leave"), "unpaid": ("82", "Unpaid Leave"),
}  # fmt: skip
TIME_OFF_TYPE_BY_ID = {type_id: leave_type for leave_type, (type_id, _) in TIME_OFF_TYPES.items()}
# World leave status <-> BambooHR request status (note BambooHR's spellings "canceled", "superceded").
TIME_OFF_STATUS = {"pending": "requested", "approved": "approved", "rejected": "denied", "cancelled": "canceled"}
WORLD_LEAVE_STATUS = {bamboo: world for world, bamboo in TIME_OFF_STATUS.items()}
TIME_OFF_STATUSES = ("approved", "denied", "superceded", "requested", "canceled")


def division_of(department: str | None) -> str | None:
    return DIVISIONS.get(department, DEFAULT_DIVISION) if department else None


def bamboo_date(value: str | None) -> str:
    """ "YYYY-MM-DD", or "0000-00-00" for no date."""
    return value or EMPTY_DATE


def bamboo_timestamp(iso: str) -> str:
    """A world updated_at as BambooHR's lastChanged: ISO 8601 in UTC to the second ("2026-01-02T03:04:05+00:00")."""
    instant = dt.datetime.fromisoformat(iso).astimezone(dt.UTC).replace(microsecond=0)
    return instant.isoformat()


def employment_history_status(employee: dict) -> str:
    if employee["employment_status"] == "terminated":
        return TERMINATED
    return EMPLOYMENT_TYPES.get(employee["work_type"], "Full-Time")


def pay_rate(employee: dict) -> str | None:
    """The midpoint of the salary band, as BambooHR's "1800000.00 INR" currency string."""
    band = vocab.SALARY_BANDS.get(employee.get("salary_band") or "")
    return f"{(band[0] + band[1]) / 2:.2f} {CURRENCY}" if band else None


def employee_fields(world: World, employee: dict) -> dict[str, str | None]:
    """Every field this simulator knows for one employee, as BambooHR's GET /employees/{id} would give it."""
    manager = world.tables["employees"].get(employee["manager_id"]) if employee["manager_id"] else None
    first, last = employee["first_name"], employee["last_name"]
    return {
        "id": to_bamboo(employee["id"]),
        "employeeNumber": employee["employee_id"],
        "firstName": first, "lastName": last, "preferredName": None, "middleName": None,
        "displayName": full_name(employee), "fullName1": full_name(employee), "fullName2": f"{last}, {first}",
        "workEmail": employee["email"], "bestEmail": employee["email"], "mobilePhone": employee["phone"],
        "workPhone": None, "department": employee["department"], "division": division_of(employee["department"]),
        "location": employee["location"], "jobTitle": employee["job_title"],
        "status": "Inactive" if employee["employment_status"] == "terminated" else "Active",
        "employmentHistoryStatus": employment_history_status(employee),
        "hireDate": bamboo_date(employee["hire_date"]), "terminationDate": bamboo_date(employee["termination_date"]),
        "supervisor": full_name(manager) if manager else None,
        "supervisorEId": to_bamboo(manager["id"]) if manager else None,
        "supervisorId": manager["employee_id"] if manager else None,
        "payRate": pay_rate(employee), "payType": "Salary", "payPer": "Year",
        "lastChanged": bamboo_timestamp(employee["updated_at"]), "photoUploaded": "false",
    }  # fmt: skip


FIELD_TYPES: dict[str, str] = {
    "id": "int", "employeeNumber": "text", "firstName": "text", "lastName": "text", "preferredName": "text",
    "middleName": "text", "displayName": "text", "fullName1": "text", "fullName2": "text", "workEmail": "email",
    "bestEmail": "email", "mobilePhone": "phone", "workPhone": "phone", "department": "list", "division": "list",
    "location": "list", "jobTitle": "list", "status": "status", "employmentHistoryStatus": "list",
    "hireDate": "date", "terminationDate": "date", "supervisor": "employee", "supervisorEId": "int",
    "supervisorId": "int", "payRate": "currency", "payType": "pay_type", "payPer": "list",
    "lastChanged": "timestamp", "photoUploaded": "bool",
}  # fmt: skip
FIELD_NAMES = {name: "".join(" " + c.lower() if c.isupper() else c for c in name).strip().capitalize()
               for name in FIELD_TYPES}  # fmt: skip
FIELD_NAMES.update({"id": "Employee #", "workEmail": "Work Email", "supervisorEId": "Supervisor EID"})
DIRECTORY_FIELDS = (
    "displayName", "firstName", "lastName", "preferredName", "jobTitle", "workPhone", "mobilePhone", "workEmail",
    "department", "location", "division", "supervisor", "photoUploaded",
)  # fmt: skip


def field_header(names) -> list[dict[str, str]]:
    """The `fields` list of directory and report replies: [{id, type, name}]."""
    return [{"id": n, "type": FIELD_TYPES.get(n, "text"), "name": FIELD_NAMES.get(n, n)} for n in names]


def select(fields: dict, names) -> dict:
    """`id` plus the requested fields (unknown ones as null, as BambooHR does for fields it cannot show)."""
    return {"id": fields["id"], **{name: fields.get(name) for name in names if name != "id"}}


# ---- tables (effective-dated rows, docs/vendors/bamboohr.md §3) ---------------------------------------------------

TABLES = ("jobInfo", "employmentStatus", "compensation")


def table_rows(world: World, employee: dict, table: str) -> list[dict]:
    """The employee's rows of `table`. The world keeps current state only, so history starts at the current row
    (dated the hire date) plus, for a terminated employee, the termination row."""
    fields = employee_fields(world, employee)
    eid = fields["id"]
    row_id = int(eid) * 10
    if table == "jobInfo":
        return [{
            "id": str(row_id + 1), "employeeId": eid, "date": fields["hireDate"], "location": fields["location"],
            "department": fields["department"], "division": fields["division"], "jobTitle": fields["jobTitle"],
            "reportsTo": fields["supervisor"],
        }]  # fmt: skip
    if table == "employmentStatus":
        rows = [{
            "id": str(row_id + 1), "employeeId": eid, "date": fields["hireDate"],
            "employmentStatus": EMPLOYMENT_TYPES.get(employee["work_type"], "Full-Time"), "comment": None,
            "terminationReasonId": None, "terminationTypeId": None, "terminationRehireId": None,
        }]  # fmt: skip
        if employee["termination_date"]:
            rows.append({
                "id": str(row_id + 2), "employeeId": eid, "date": employee["termination_date"],
                "employmentStatus": TERMINATED, "comment": None, "terminationReasonId": "1",
                "terminationTypeId": "1", "terminationRehireId": "1",
            })  # fmt: skip
        return rows
    return [{
        "id": str(row_id + 1), "employeeId": eid, "startDate": fields["hireDate"], "rate": {
            "value": (fields["payRate"] or "").split(" ")[0] or None, "currency": CURRENCY},
        "payRate": fields["payRate"], "type": "Salary", "payType": "Salary", "payPer": "Year",
        "exempt": None, "reason": None, "comment": None,
    }]  # fmt: skip


def local_midnight(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), BUSINESS_TZ).astimezone(dt.UTC)
