"""Leave: requests (list, submit), one employee's balance, and every employee's balance for syncs.

GET /leave-balances is an extension beyond the seed: a sync would otherwise call the per-employee balance
endpoint once per employee. It pages canonical LeaveBalance records of every employee, each with an
`updated_at` = the latest change to the employee record or any of their leave requests (see
balance_index.py), so `updated_since` returns exactly the balances that may have changed. Deleted employees
come back as tombstones {"id": employee_id, "deleted": true, ...} with `include_deleted=true`.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from hrmodel.canonical import (
    LeaveBalance,
    LeaveRequest,
    LeaveRequestCreate,
    LeaveRequestCreated,
    LeaveStatus,
    LeaveType,
    Page,
    Tombstone,
)
from mock_hrms.api.balance_index import BalanceIndex, from_micros
from mock_hrms.api.deps import all_of, field_equals, get_world
from mock_hrms.api.errors import ApiError, error_responses
from mock_hrms.api.idempotency import declare_idempotency_key
from mock_hrms.api.paging import (
    LIST_RESPONSES,
    ListParams,
    list_params,
    render_items,
    render_json,
    render_page,
    require_live,
)

router = APIRouter(tags=["leave"])
IdPath = Annotated[str, Path(min_length=1, max_length=64)]
Year = Annotated[int | None, Query(ge=1900, le=2100, description="Calendar year; default: the current one.")]


@router.get(
    "/leave-requests",
    response_model=Page[LeaveRequest | Tombstone],
    responses=LIST_RESPONSES,
    summary="List leave requests",
)
async def list_leave_requests(
    params: Annotated[ListParams, Depends(list_params(20))],
    employee_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: LeaveStatus | None = None,
    leave_type: LeaveType | None = None,
    world=Depends(get_world),
) -> Response:
    where = all_of(
        field_equals("employee_id", employee_id),
        field_equals("status", status.value if status else None),
        field_equals("leave_type", leave_type.value if leave_type else None),
    )
    table = world.tables["leave_requests"]
    return render_page(table, params.fetch(table, where), params)


@router.post(
    "/leave-requests",
    status_code=201,
    dependencies=[Depends(declare_idempotency_key)],
    response_model=LeaveRequestCreated,
    responses=error_responses(404, 409, 422),
    summary="Submit a leave request (working days are counted; the balance must cover it)",
)
async def create_leave_request(body: LeaveRequestCreate, world=Depends(get_world)) -> Response:
    record = world.create_leave_request(body)
    created = LeaveRequestCreated(id=record["id"], leave_request_id=record["leave_request_id"], status=record["status"])
    return render_json(created.model_dump(mode="json"), status=201)


@router.get(
    "/employees/{employee_id}/leave-balance",
    response_model=LeaveBalance,
    responses=error_responses(404, 422),
    summary="One employee's leave balance per leave type",
)
async def get_leave_balance(employee_id: IdPath, year: Year = None, world=Depends(get_world)) -> Response:
    require_live(world.tables["employees"], employee_id)
    return render_json(balance_of(world, employee_id, year))


def balance_of(world, employee_id: str, year: int | None) -> dict:
    """world.leave_balance, with a year before the employee's hire date answered as a 422, not a 500.

    The world's annual-allocation table has no entry for negative tenure (StopIteration); until it does,
    asking for such a year is refused explicitly.
    """
    try:
        return world.leave_balance(employee_id, year)
    except StopIteration as e:
        message = f"No leave entitlement exists for {employee_id!r} in {year}, before the hire date."
        raise ApiError(422, "year_before_hire", message, [{"field": "query.year"}]) from e


async def _balance_index(request: Request) -> BalanceIndex:
    """The app's balance index, built on first use (an app that never serves balances never pays for it).

    async so it runs on the event-loop thread like every other access to the world, not in a worker thread.
    """
    state = request.app.state
    if getattr(state, "balance_index", None) is None:
        state.balance_index = BalanceIndex(state.world)
    return state.balance_index


@router.get(
    "/leave-balances",
    response_model=Page[LeaveBalance | Tombstone],
    responses=LIST_RESPONSES,
    summary="Every employee's leave balance, paged, with updated_since (extension for syncs)",
)
async def list_leave_balances(
    params: Annotated[ListParams, Depends(list_params(50))],
    year: Year = None,
    index: BalanceIndex = Depends(_balance_index),
    world=Depends(get_world),
) -> Response:
    offset = None if params.cursor is not None or params.page is None else (params.page - 1) * params.page_size
    keys, total, next_cursor, deleted = index.page(
        cursor=params.cursor,
        offset=offset,
        page_size=params.page_size,
        updated_since=params.updated_since,
        include_deleted=params.include_deleted,
    )
    pieces = []
    for micros, employee_id in keys:
        updated_at = from_micros(micros).isoformat()
        if employee_id in deleted:
            pieces.append(orjson.dumps({"id": employee_id, "deleted": True, "updated_at": updated_at}))
        else:
            balance = dict(balance_of(world, employee_id, year), updated_at=updated_at)
            pieces.append(orjson.dumps(balance))
    return render_items(pieces, total, params, next_cursor)
