"""BambooHR employee endpoints: directory, one employee, the cursor-paged list, change feeds, tables, reports.

Shapes from docs/vendors/bamboohr.md §2–§4. Terminated employees are "Inactive" and left out of the directory and of
`onlyCurrent` reads only where BambooHR does so (the directory); the world has no future-dated values, so
`onlyCurrent=false` changes nothing else. Employee id 0 is the API key's own employee: the CEO here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import xml.etree.ElementTree as ET
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from mock_hrms.api.errors import ApiError
from mock_hrms.api.paging import render_json
from mock_hrms.vendors.bamboohr.ids import to_bamboo, to_world
from mock_hrms.vendors.bamboohr.mapping import (
    DIRECTORY_FIELDS,
    TABLES,
    bamboo_timestamp,
    employee_fields,
    field_header,
    select,
    table_rows,
)
from mock_hrms.world.table import to_micros

router = APIRouter()
DEFAULT_FIELDS = ("firstName", "lastName")
LIST_FIELDS = ("employeeId", "firstName", "lastName", "preferredName", "jobTitleName", "status", "workEmail")


def _world(request: Request):
    return request.app.state.world


def employee_record(request: Request, bamboo_id: str) -> dict:
    """The live world employee for a BambooHR id ("0" = the API key's own employee), or 404."""
    world = _world(request)
    world_id = world.ceo_id() if bamboo_id == "0" else to_world(world, "employees", bamboo_id)
    record = world.tables["employees"].get(world_id) if world_id else None
    if record is None:
        raise ApiError(404, "not_found", f"Employee {bamboo_id} not found.")
    return record


def parse_since(value: str) -> int:
    """An ISO 8601 `since` (a naive one is UTC) as epoch microseconds; garbage is a 400."""
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise ApiError(400, "bad_request", "since must be an ISO 8601 timestamp.") from e
    return to_micros(instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC))


def _field_list(fields: str | None, default=DEFAULT_FIELDS) -> list[str]:
    names = [f.strip() for f in (fields or "").split(",") if f.strip()]
    return names or list(default)


@router.get("/employees/directory")
async def directory(request: Request) -> Response:
    world = _world(request)
    employees = [
        select(employee_fields(world, e), DIRECTORY_FIELDS)
        for e in world.tables["employees"].values()
        if e["employment_status"] != "terminated"
    ]
    return render_json({"fields": field_header(DIRECTORY_FIELDS), "employees": employees})


@router.get("/employees/changed")
async def changed(request: Request, since: str, type: str | None = None) -> Response:
    actions = {"inserted": "Inserted", "updated": "Updated", "deleted": "Deleted"}
    if type is not None and type.lower() not in actions:
        raise ApiError(400, "bad_request", "type must be inserted, updated or deleted.")
    tracker = request.app.state.tracker
    found = tracker.changed_since(parse_since(since))
    employees = {}
    for record, action in found:
        if type is None or actions[type.lower()] == action:
            bamboo_id = to_bamboo(record["id"])
            employees[bamboo_id] = {
                "id": bamboo_id,
                "action": action,
                "lastChanged": bamboo_timestamp(record["updated_at"]),
            }
    request.app.state.webhooks.deliver(tracker.observe())
    latest = bamboo_timestamp(_world(request).now().isoformat())
    return render_json({"latest": latest, "employees": employees})


@router.get("/employees/changed/tables/{table}")
async def changed_table(request: Request, table: str, since: str) -> Response:
    _check_table(table)
    world = _world(request)
    since_micros = parse_since(since)
    employees = {}
    for record, action in request.app.state.tracker.changed_since(since_micros):
        if action != "Deleted":
            employees[to_bamboo(record["id"])] = {
                "lastChanged": bamboo_timestamp(record["updated_at"]),
                "rows": table_rows(world, record, table),
            }
    return render_json({"table": table, "employees": employees})


@router.get("/employees/{employee_id}/tables/{table}")
async def table(request: Request, employee_id: str, table: str) -> Response:
    _check_table(table)
    world = _world(request)
    if employee_id == "all":
        records = world.tables["employees"].values()
    else:
        records = [employee_record(request, employee_id)]
    return render_json([row for record in records for row in table_rows(world, record, table)])


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ApiError(404, "not_found", f"Unknown table {table!r}; this simulator has {', '.join(TABLES)}.")


@router.get("/employees/{employee_id}")
async def employee(
    request: Request, employee_id: str, fields: str | None = None, onlyCurrent: str = "true"
) -> Response:
    record = employee_record(request, employee_id)
    return render_json(select(employee_fields(_world(request), record), _field_list(fields)))


# ---- the new cursor-paged list --------------------------------------------------------------------------


def _cursor(bamboo_id: str) -> str:
    return base64.urlsafe_b64encode(f"id:{bamboo_id}".encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as e:
        raise ApiError(400, "bad_request", "The page cursor is not one this server issued.") from e


def _list_item(fields: dict, extra: list[str]) -> dict:
    item = {
        "employeeId": fields["id"], "firstName": fields["firstName"], "lastName": fields["lastName"],
        "preferredName": fields["preferredName"], "jobTitleName": fields["jobTitle"], "status": fields["status"],
        "workEmail": fields["workEmail"],
    }  # fmt: skip
    item.update({name: fields.get(name) for name in extra if name not in item})
    return item


@router.get("/employees")
async def employee_list(
    request: Request,
    limit: Annotated[int, Query(alias="page[limit]", ge=1, le=100)] = 50,
    after: Annotated[str | None, Query(alias="page[after]")] = None,
    before: Annotated[str | None, Query(alias="page[before]")] = None,
    first_name: Annotated[str | None, Query(alias="filter[firstName]")] = None,
    last_name: Annotated[str | None, Query(alias="filter[lastName]")] = None,
    job_title: Annotated[str | None, Query(alias="filter[jobTitleName]")] = None,
    status: Annotated[str | None, Query(alias="filter[status]")] = None,
    ids: Annotated[str | None, Query(alias="filter[ids]")] = None,
    fields: str | None = None,
) -> Response:
    world = _world(request)
    wanted_ids = {i.strip() for i in ids.split(",") if i.strip()} if ids else None
    checks = {"firstName": first_name, "lastName": last_name, "jobTitle": job_title, "status": status}
    rows = []
    for record in world.tables["employees"].values():
        row = employee_fields(world, record)
        if wanted_ids is not None and row["id"] not in wanted_ids:
            continue
        if all(v is None or (row[k] or "").casefold() == v.casefold() for k, v in checks.items()):
            rows.append(row)
    rows.sort(key=lambda r: int(r["id"]))
    start, end = 0, len(rows)
    if after:
        mark = _uncursor(after)
        start = next((i for i, r in enumerate(rows) if int(r["id"]) > mark), len(rows))
        end = min(len(rows), start + limit)
    elif before:
        mark = _uncursor(before)
        end = next((i for i, r in enumerate(rows) if int(r["id"]) >= mark), len(rows))
        start = max(0, end - limit)
    else:
        end = min(len(rows), limit)
    page = rows[start:end]
    next_cursor = _cursor(page[-1]["id"]) if page and end < len(rows) else None
    prev_cursor = _cursor(page[0]["id"]) if page and start > 0 else None
    base = str(request.url.remove_query_params(["page[after]", "page[before]"]))
    joiner = "&" if "?" in base else "?"
    return render_json({
        "data": [_list_item(r, _field_list(fields, ())) for r in page],
        "meta": {"total": len(rows), "page": {"limit": limit, "nextCursor": next_cursor, "prevCursor": prev_cursor}},
        "links": {
            "self": str(request.url),
            "next": f"{base}{joiner}page[after]={next_cursor}" if next_cursor else None,
            "prev": f"{base}{joiner}page[before]={prev_cursor}" if prev_cursor else None,
        },
    })  # fmt: skip


# ---- custom reports -------------------------------------------------------------------------------------


def _report_request(body: bytes, content_type: str) -> tuple[str, list[str]]:
    """(title, fields) from a JSON body (BSDK) or the older XML `<report>` body (PyBambooHR writes XML)."""
    text = body.strip()
    try:
        if text.startswith(b"<") or "xml" in content_type:
            root = ET.fromstring(text)
            return root.findtext("title") or "", [f.get("id", "") for f in root.iter("field") if f.get("id")]
        data = orjson.loads(text)
        return str(data.get("title") or ""), [str(f) for f in data.get("fields") or []]
    except (ET.ParseError, orjson.JSONDecodeError, AttributeError) as e:
        raise ApiError(400, "bad_request", "The report request must be JSON {title, fields} or a <report>.") from e


@router.post("/reports/custom")
async def custom_report(request: Request, format: str = "JSON", onlyCurrent: str = "true") -> Response:
    if format.upper() != "JSON":
        raise ApiError(400, "bad_request", "This simulator renders custom reports as format=JSON only.")
    title, names = _report_request(await request.body(), request.headers.get("content-type", ""))
    if not names:
        raise ApiError(400, "bad_request", "A custom report needs at least one field.")
    world = _world(request)
    employees = [select(employee_fields(world, e), names) for e in world.tables["employees"].values()]
    return render_json({"title": title, "fields": field_header(names), "employees": employees})
