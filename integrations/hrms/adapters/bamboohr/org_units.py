"""Departments, built: BambooHR has no department entity (docs/vendors/bamboohr.md §2).

Org units come from the `department` and `division` lists of `GET /meta/lists`, whose option ids are stable,
so canonical ids are `dept-{optionId}` and `div-{optionId}` (prefixed because the two lists number
independently). A department's parent is the division its employees sit in; the employee-derived figures
(head, headcount) are computed from the employee rows the caller already fetched:
- `employee_count`: employees who are not terminated;
- `head_id`: the one member whose supervisor is outside the department (none when it is ambiguous).
A department's location is left empty: BambooHR has none, and its members' locations do not name it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from hrmodel import canonical as c
from integrations.hrms.errors import InvalidRecord
from integrations.hrms.mapping import validate_record

from .mappers import employment_status

DEPARTMENT_LIST = "department"
DIVISION_LIST = "division"


def department_key(option_id: object) -> str:
    return f"dept-{option_id}"


def division_key(option_id: object) -> str:
    return f"div-{option_id}"


def list_options(meta_lists: Iterable[Mapping[str, Any]], alias: str) -> dict[str, str]:
    """option name -> option id (as a string) of one `/meta/lists` list, archived options included (a
    department renamed away keeps its id)."""
    for field in meta_lists:
        if field.get("alias") == alias:
            return {str(o["name"]): str(o["id"]) for o in field.get("options") or [] if o.get("name") is not None}
    return {}


def department_ids(meta_lists: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """department name -> canonical department id, for `to_canonical_employee`."""
    return {name: department_key(i) for name, i in list_options(meta_lists, DEPARTMENT_LIST).items()}


def to_canonical_departments(
    meta_lists: Iterable[Mapping[str, Any]], employees: Iterable[Mapping[str, Any]]
) -> tuple[list[c.Department], list[InvalidRecord]]:
    """Every division and department as canonical departments, with the figures derived from `employees`
    (raw BambooHR employee fields: department, division, status, supervisorEId, names)."""
    meta_lists = list(meta_lists)
    departments = list_options(meta_lists, DEPARTMENT_LIST)
    divisions = list_options(meta_lists, DIVISION_LIST)
    members: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    division_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for employee in employees:
        name = employee.get("department")
        if name and employment_status(employee) != c.EmploymentStatus.TERMINATED:
            members[name].append(employee)
        if name and employee.get("division"):
            division_votes[name][employee["division"]] += 1
    records: list[c.Department] = []
    invalid: list[InvalidRecord] = []
    division_counts: Counter[str] = Counter()
    for name, option_id in departments.items():
        division = division_votes[name].most_common(1)[0][0] if division_votes.get(name) else None
        division_counts[division or ""] += len(members[name])
        values = {
            "id": department_key(option_id),
            "department_id": department_key(option_id),
            "name": name,
            "parent_id": division_key(divisions[division]) if division in divisions else None,
            **_figures(members[name]),
        }
        _collect(values, records, invalid)
    for name, option_id in divisions.items():
        values = {"id": division_key(option_id), "department_id": division_key(option_id), "name": name}
        _collect({**values, "employee_count": division_counts[name]}, records, invalid)
    return records, invalid


def _figures(members: list[Mapping[str, Any]]) -> dict[str, Any]:
    ids = {str(m.get("id")) for m in members}
    tops = [m for m in members if str(m.get("supervisorEId") or "") not in ids]
    head = tops[0] if len(tops) == 1 else None
    return {
        "employee_count": len(members),
        "head_id": str(head["id"]) if head else None,
        "head_name": " ".join(filter(None, (head.get("firstName"), head.get("lastName")))) if head else None,
    }


def _collect(values: dict[str, Any], records: list[c.Department], invalid: list[InvalidRecord]) -> None:
    try:
        records.append(validate_record("departments", c.Department, values))
    except InvalidRecord as e:
        invalid.append(e)
