"""BambooHR metadata (docs/vendors/bamboohr.md §2, §5): fields, list options with ids, users, time-off types, policies.

List options get stable ids: the world's values sorted at startup are numbered from 1, and a value first seen
later (a new job title) gets the next number, so an id never changes meaning while the simulator runs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mock_hrms.api.paging import render_json
from mock_hrms.vendors.bamboohr.ids import to_bamboo
from mock_hrms.vendors.bamboohr.mapping import (
    DIVISIONS,
    EMPLOYMENT_TYPES,
    FIELD_NAMES,
    FIELD_TYPES,
    TERMINATED,
    TIME_OFF_TYPES,
    division_of,
)
from mock_hrms.world import vocabulary as vocab

router = APIRouter()
LIST_FIELD_IDS = {
    "department": "4",
    "division": "5",
    "location": "6",
    "jobTitle": "17",
    "employmentHistoryStatus": "1360",
}
UNLIMITED = frozenset(vocab.UNLIMITED_LEAVE_TYPES)


class ListOptions:
    """Option ids per list field, stable for the simulator's lifetime."""

    def __init__(self, world) -> None:
        self.world = world
        self.ids: dict[str, dict[str, int]] = {name: {} for name in LIST_FIELD_IDS}
        for name, values in self._values().items():
            for value in sorted(values):
                self._id(name, value)

    def _values(self) -> dict[str, set[str]]:
        employees = list(self.world.tables["employees"].values())
        departments = {d["name"] for d in self.world.tables["departments"].values()}
        return {
            "department": departments,
            "division": {division_of(d) for d in departments} | set(DIVISIONS.values()),
            "location": {e["location"] for e in employees},
            "jobTitle": {e["job_title"] for e in employees},
            "employmentHistoryStatus": {*EMPLOYMENT_TYPES.values(), TERMINATED},
        }

    def _id(self, name: str, value: str) -> int:
        options = self.ids[name]
        if value not in options:
            options[value] = len(options) + 1
        return options[value]

    def render(self) -> list[dict]:
        for name, values in self._values().items():
            for value in sorted(values):
                self._id(name, value)
        return [
            {
                "fieldId": int(LIST_FIELD_IDS[name]), "manageable": "yes", "multiple": "no",
                "name": FIELD_NAMES.get(name, name), "alias": name,
                "options": [{"id": i, "archived": "no", "name": v} for v, i in options.items()],
            }
            for name, options in self.ids.items()
        ]  # fmt: skip


@router.get("/meta/fields")
async def fields() -> Response:
    return render_json([
        {"id": LIST_FIELD_IDS.get(name, name), "name": FIELD_NAMES[name], "type": kind, "alias": name}
        for name, kind in FIELD_TYPES.items()
    ])  # fmt: skip


@router.get("/meta/lists")
async def lists(request: Request) -> Response:
    return render_json(request.app.state.list_options.render())


@router.get("/meta/users")
async def users(request: Request) -> Response:
    """Users are the people who log in to administer: managers and the HR department (keyed by user id)."""
    world = request.app.state.world
    result = {}
    for employee in world.tables["employees"].values():
        if world.reports.get(employee["id"]) or employee["department"] == "Human Resources":
            user_id = str(1000 + int(to_bamboo(employee["id"])))
            result[user_id] = {
                "id": int(user_id), "employeeId": int(to_bamboo(employee["id"])), "firstName": employee["first_name"],
                "lastName": employee["last_name"], "email": employee["email"],
                "status": "disabled" if employee["employment_status"] == "terminated" else "enabled",
                "lastLogin": None,
            }  # fmt: skip
    return render_json(result)


@router.get("/meta/time_off/types")
async def time_off_types() -> Response:
    types = [
        {"id": type_id, "name": name, "units": "days", "color": None, "icon": "palm-trees"}
        for type_id, name in TIME_OFF_TYPES.values()
    ]
    return render_json({"timeOffTypes": types, "defaultHours": [{"name": "Mon-Fri", "amount": "8"}]})


@router.get("/meta/time_off/policies")
async def time_off_policies() -> Response:
    return render_json([
        {
            "id": str(int(type_id) + 100), "timeOffTypeId": type_id, "name": f"{name} policy",
            "effectiveDate": None, "type": "manual" if leave_type in UNLIMITED else "accruing",
        }
        for leave_type, (type_id, name) in TIME_OFF_TYPES.items()
    ])  # fmt: skip
