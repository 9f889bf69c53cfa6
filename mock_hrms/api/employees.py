"""Employees and organisation structure: the seed's employee, reporting-chain and department endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from hrmodel.canonical import (
    Department,
    Employee,
    EmployeeDetail,
    EmploymentStatus,
    Page,
    ReportingChain,
    Tombstone,
)
from mock_hrms.api.deps import all_of, field_equals, field_iequals, get_world
from mock_hrms.api.errors import error_responses
from mock_hrms.api.paging import (
    LIST_RESPONSES,
    ListParams,
    list_params,
    render_json,
    render_page,
    render_record,
    require_live,
)

router = APIRouter(tags=["employees"])
IdPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/employees",
    response_model=Page[Employee | Tombstone],
    responses=LIST_RESPONSES,
    summary="List employees",
)
async def list_employees(
    params: Annotated[ListParams, Depends(list_params(50))],
    department: Annotated[str | None, Query(max_length=255, description="Department name (case-insensitive)")] = None,
    department_id: Annotated[str | None, Query(max_length=64)] = None,
    employment_status: EmploymentStatus | None = None,
    manager_id: Annotated[str | None, Query(max_length=64)] = None,
    location: Annotated[str | None, Query(max_length=255, description="Case-insensitive")] = None,
    email: Annotated[
        str | None, Query(max_length=254, description="Exact email, case-insensitive (look a person up)")
    ] = None,
    world=Depends(get_world),
) -> Response:
    where = all_of(
        field_iequals("department", department),
        field_equals("department_id", department_id),
        field_equals("employment_status", employment_status.value if employment_status else None),
        field_equals("manager_id", manager_id),
        field_iequals("location", location),
        field_iequals("email", email),
    )
    table = world.tables["employees"]
    return render_page(table, params.fetch(table, where), params)


@router.get(
    "/employees/{employee_id}",
    response_model=EmployeeDetail,
    responses=error_responses(404, 422),
    summary="Get one employee (detail shape)",
)
async def get_employee(employee_id: IdPath, world=Depends(get_world)) -> Response:
    return render_record(world.tables["employees"], employee_id)


@router.get(
    "/employees/{employee_id}/reporting-chain",
    response_model=ReportingChain,
    responses=error_responses(404, 422),
    summary="An employee's managers up to the top",
)
async def get_reporting_chain(employee_id: IdPath, world=Depends(get_world)) -> Response:
    require_live(world.tables["employees"], employee_id)  # 404 for unknown ids, before deriving anything
    return render_json(world.reporting_chain(employee_id))


@router.get(
    "/departments",
    response_model=Page[Department | Tombstone],
    responses=LIST_RESPONSES,
    summary="List departments",
)
async def list_departments(
    params: Annotated[ListParams, Depends(list_params(20))],
    world=Depends(get_world),
) -> Response:
    table = world.tables["departments"]
    return render_page(table, params.fetch(table), params)
