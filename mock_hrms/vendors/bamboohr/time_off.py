"""BambooHR time off over the world's leave requests (docs/vendors/bamboohr.md §5): requests by window, who's out, the
balance calculator, creating a request and changing its status. The world's rules decide (overlap → 409,
insufficient balance or a terminated employee → 400), answered BambooHR-style with X-BambooHR-Error-Message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from mock_hrms.api.errors import ApiError
from mock_hrms.api.paging import render_json
from mock_hrms.vendors.bamboohr.employees import employee_record
from mock_hrms.vendors.bamboohr.ids import to_bamboo, to_world
from mock_hrms.vendors.bamboohr.mapping import (
    TIME_OFF_STATUS,
    TIME_OFF_STATUSES,
    TIME_OFF_TYPE_BY_ID,
    TIME_OFF_TYPES,
    WORLD_LEAVE_STATUS,
)
from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.records import changed
from mock_hrms.world.workdays import working_days

router = APIRouter()


def _date(value: str | None, name: str) -> dt.date:
    if not value:
        raise ApiError(400, "bad_request", f"{name} is required (YYYY-MM-DD).")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise ApiError(400, "bad_request", f"{name} must be a date YYYY-MM-DD.") from e


def render_request(leave: dict) -> dict:
    type_id, type_name = TIME_OFF_TYPES[leave["leave_type"]]
    start, end = dt.date.fromisoformat(leave["start_date"]), dt.date.fromisoformat(leave["end_date"])
    days = {}
    day = start
    while day <= end:
        days[day.isoformat()] = "1" if working_days(day, day) else "0"
        day += dt.timedelta(days=1)
    status = TIME_OFF_STATUS[leave["status"]]
    return {
        "id": to_bamboo(leave["id"]), "employeeId": to_bamboo(leave["employee_id"]), "name": leave["employee_name"],
        "start": leave["start_date"], "end": leave["end_date"], "created": leave["applied_date"],
        "status": {"status": status, "lastChanged": leave["updated_at"][:10], "lastChangedByUserId": None},
        "type": {"id": type_id, "name": type_name, "icon": "palm-trees"},
        "amount": {"unit": "days", "amount": str(leave["total_days"])},
        "actions": {"view": True, "edit": status == "requested", "cancel": status in ("requested", "approved"),
                    "approve": status == "requested", "deny": status == "requested", "bypass": False},
        "dates": days, "notes": {"employee": leave["reason"]} if leave["reason"] else {},
    }  # fmt: skip


def _csv(value: str | None) -> set[str] | None:
    return {v.strip() for v in value.split(",") if v.strip()} if value else None


@router.get("/time_off/requests")
async def requests(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    id: str | None = None,
    employeeId: str | None = None,
    status: str | None = None,
    type: str | None = None,
) -> Response:
    first, last = _date(start, "start"), _date(end, "end")
    statuses, types = _csv(status), _csv(type)
    if statuses and statuses - set(TIME_OFF_STATUSES):
        raise ApiError(400, "bad_request", f"status must be among {', '.join(TIME_OFF_STATUSES)}.")
    found = []
    for leave in request.app.state.world.tables["leave_requests"].values():
        if leave["end_date"] < first.isoformat() or leave["start_date"] > last.isoformat():
            continue
        row = render_request(leave)
        if (id and row["id"] != id) or (employeeId and row["employeeId"] != employeeId):
            continue
        if (statuses and row["status"]["status"] not in statuses) or (types and row["type"]["id"] not in types):
            continue
        found.append(row)
    return render_json(found)


@router.get("/time_off/whos_out")
async def whos_out(request: Request, start: str | None = None, end: str | None = None) -> Response:
    world = request.app.state.world
    first = _date(start, "start") if start else world.today()
    last = _date(end, "end") if end else first + dt.timedelta(days=14)
    out = [
        {"id": to_bamboo(leave["id"]), "type": "timeOff", "employeeId": to_bamboo(leave["employee_id"]),
         "name": leave["employee_name"], "start": leave["start_date"], "end": leave["end_date"]}
        for leave in world.tables["leave_requests"].values()
        if leave["status"] == "approved" and leave["start_date"] <= last.isoformat()
        and leave["end_date"] >= first.isoformat()
    ]  # fmt: skip
    for year in range(first.year, last.year + 1):
        for holiday in sorted(vocab.public_holidays(year)):
            if first <= holiday <= last:
                day = holiday.isoformat()
                out.append({"id": day.replace("-", ""), "type": "holiday", "name": "Holiday", "start": day, "end": day})
    out.sort(key=lambda item: (item["start"], item["type"], item["id"]))
    return render_json(out)


@router.get("/employees/{employee_id}/time_off/calculator")
async def calculator(request: Request, employee_id: str, end: str | None = None) -> Response:
    world = request.app.state.world
    employee = employee_record(request, employee_id)
    until = _date(end, "end") if end else world.today()
    balance = world.leave_balance(employee["id"], until.year)
    rows = []
    for entry in balance["leave_balances"]:
        type_id, name = TIME_OFF_TYPES[entry["leave_type"]]
        rows.append({
            "timeOffType": type_id, "name": name, "units": "days", "balance": f"{entry['available']:.2f}",
            "end": until.isoformat(), "usedYearToDate": f"{entry['used']:.2f}",
            "policyType": "manual" if entry["leave_type"] in vocab.UNLIMITED_LEAVE_TYPES else "accruing",
        })  # fmt: skip
    return render_json(rows)


class Note(BaseModel):
    model_config = ConfigDict(extra="ignore")
    note: str = Field(default="", max_length=2000)


class TimeOffCreate(BaseModel):
    """BSDK TimeOffRequest: status, start, end, timeOffTypeId, amount, notes [{from, note}], dates."""

    model_config = ConfigDict(extra="ignore")
    status: str = "requested"
    start: dt.date
    end: dt.date
    timeOffTypeId: str | int
    amount: float | str | None = None
    notes: list[Note] = Field(default_factory=list)


@router.put("/employees/{employee_id}/time_off/request", status_code=201)
async def create(request: Request, employee_id: str, body: Annotated[TimeOffCreate, Body()]) -> Response:
    world = request.app.state.world
    employee = employee_record(request, employee_id)
    leave_type = TIME_OFF_TYPE_BY_ID.get(str(body.timeOffTypeId))
    if leave_type is None:
        raise ApiError(400, "bad_request", f"Unknown timeOffTypeId {body.timeOffTypeId}.")
    if body.status not in ("requested", "approved"):
        raise ApiError(400, "bad_request", "A new request's status must be requested or approved.")
    reason = "; ".join(n.note for n in body.notes if n.note) or None
    leave = world.create_leave_request({
        "employee_id": employee["id"], "leave_type": leave_type, "start_date": body.start,
        "end_date": body.end, "reason": reason,
    })  # fmt: skip
    if body.status == "approved":
        leave = world.sim.decide_leave(leave["id"], True)
    return render_json(render_request(leave), status=201)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: str
    note: str | None = None


@router.put("/time_off/requests/{request_id}/status")
async def change_status(request: Request, request_id: str, body: StatusChange) -> Response:
    world = request.app.state.world
    world_id = to_world(world, "leave_requests", request_id)
    leave = world.tables["leave_requests"].get(world_id) if world_id else None
    if leave is None:
        raise ApiError(404, "not_found", f"Time off request {request_id} not found.")
    target = WORLD_LEAVE_STATUS.get(body.status.lower())
    if target not in ("approved", "rejected", "cancelled"):
        raise ApiError(400, "bad_request", "status must be approved, denied or canceled.")
    if target == "cancelled":
        if leave["status"] not in ("pending", "approved"):
            raise ApiError(409, "conflict", f"Request {request_id} is {TIME_OFF_STATUS[leave['status']]}.")
        world.tables["leave_requests"].put(changed(leave, world.stamp(), status="cancelled"))
    else:
        world.sim.decide_leave(leave["id"], target == "approved")
    return render_json(render_request(world.tables["leave_requests"].get(leave["id"])))
