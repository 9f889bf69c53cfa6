"""Recruiting: job requisitions, candidates and interviews (the seed's ATS endpoints)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from hrmodel.canonical import (
    Candidate,
    CandidateCreate,
    CandidateCreated,
    CandidateDetail,
    CandidateStage,
    CandidateStatus,
    Interview,
    InterviewCreate,
    InterviewScheduled,
    InterviewStatus,
    InterviewUpdate,
    JobRequisition,
    JobRequisitionDetail,
    Page,
    RequisitionStatus,
    Tombstone,
)
from mock_hrms.api.deps import all_of, field_equals, field_iequals, get_world
from mock_hrms.api.errors import error_responses
from mock_hrms.api.idempotency import declare_idempotency_key
from mock_hrms.api.paging import (
    LIST_RESPONSES,
    ListParams,
    list_params,
    render_json,
    render_page,
    render_record,
    require_live,
)

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64)]
IdQuery = Annotated[str | None, Query(min_length=1, max_length=64)]
WRITE_ERRORS = error_responses(404, 409, 422)


def _value(enum_member) -> str | None:
    return enum_member.value if enum_member is not None else None


# ---- job requisitions -------------------------------------------------------------------------------


@router.get(
    "/job-requisitions",
    response_model=Page[JobRequisition | Tombstone],
    responses=LIST_RESPONSES,
    tags=["recruiting"],
    summary="List job requisitions (open ones unless `status` says otherwise)",
)
async def list_job_requisitions(
    params: Annotated[ListParams, Depends(list_params(20))],
    status: Annotated[
        RequisitionStatus | Literal["all"],
        Query(description="Requisition status; `all` for every status (what a sync wants)."),
    ] = RequisitionStatus.OPEN,
    department: Annotated[str | None, Query(max_length=255, description="Department name (case-insensitive)")] = None,
    world=Depends(get_world),
) -> Response:
    where = all_of(
        None if status == "all" else field_equals("status", RequisitionStatus(status).value),
        field_iequals("department", department),
    )
    table = world.tables["job_requisitions"]
    return render_page(table, params.fetch(table, where), params)


@router.get(
    "/job-requisitions/{requisition_id}",
    response_model=JobRequisitionDetail,
    responses=error_responses(404, 422),
    tags=["recruiting"],
    summary="Get one job requisition with description, requirements and salary range",
)
async def get_job_requisition(requisition_id: IdPath, world=Depends(get_world)) -> Response:
    return render_record(world.tables["job_requisitions"], requisition_id)


# ---- candidates -------------------------------------------------------------------------------------


@router.get(
    "/candidates",
    response_model=Page[Candidate | Tombstone],
    responses=LIST_RESPONSES,
    tags=["recruiting"],
    summary="List candidates",
)
async def list_candidates(
    params: Annotated[ListParams, Depends(list_params(20))],
    job_id: Annotated[IdQuery, Query(description="Only candidates who applied for this requisition id")] = None,
    status: CandidateStatus | None = None,
    current_stage: CandidateStage | None = None,
    email: Annotated[str | None, Query(max_length=254, description="Exact email, case-insensitive")] = None,
    world=Depends(get_world),
) -> Response:
    where = all_of(
        field_equals("applied_for_job_id", job_id),
        field_equals("status", _value(status)),
        field_equals("current_stage", _value(current_stage)),
        field_iequals("email", email),
    )
    table = world.tables["candidates"]
    return render_page(table, params.fetch(table, where), params)


@router.get(
    "/candidates/{candidate_id}",
    response_model=CandidateDetail,
    responses=error_responses(404, 422),
    tags=["recruiting"],
    summary="Get one candidate with education and interview history",
)
async def get_candidate(candidate_id: IdPath, world=Depends(get_world)) -> Response:
    return render_record(world.tables["candidates"], candidate_id)


@router.post(
    "/candidates",
    status_code=201,
    dependencies=[Depends(declare_idempotency_key)],
    response_model=CandidateCreated,
    responses=WRITE_ERRORS,
    tags=["recruiting"],
    summary="Add a candidate to a requisition",
)
async def create_candidate(body: CandidateCreate, world=Depends(get_world)) -> Response:
    record = world.create_candidate(body)
    created = CandidateCreated(id=record["id"], candidate_id=record["candidate_id"])
    return render_json(created.model_dump(mode="json"), status=201)


# ---- interviews -------------------------------------------------------------------------------------


@router.get(
    "/interviews",
    response_model=Page[Interview | Tombstone],
    responses=LIST_RESPONSES,
    tags=["interviews"],
    summary="List interviews",
)
async def list_interviews(
    params: Annotated[ListParams, Depends(list_params(20))],
    candidate_id: IdQuery = None,
    job_id: IdQuery = None,
    interviewer_id: IdQuery = None,
    status: InterviewStatus | None = None,
    world=Depends(get_world),
) -> Response:
    where = all_of(
        field_equals("candidate_id", candidate_id),
        field_equals("job_id", job_id),
        field_equals("interviewer_id", interviewer_id),
        field_equals("status", _value(status)),
    )
    table = world.tables["interviews"]
    return render_page(table, params.fetch(table, where), params)


@router.get(
    "/interviews/{interview_id}",
    response_model=Interview,
    responses=error_responses(404, 422),
    tags=["interviews"],
    summary="Get one interview",
)
async def get_interview(interview_id: IdPath, world=Depends(get_world)) -> Response:
    return render_record(world.tables["interviews"], interview_id)


@router.post(
    "/interviews",
    status_code=201,
    dependencies=[Depends(declare_idempotency_key)],
    response_model=InterviewScheduled,
    responses=WRITE_ERRORS,
    tags=["interviews"],
    summary="Schedule an interview (returns the meeting link and calendar event id)",
)
async def schedule_interview(body: InterviewCreate, world=Depends(get_world)) -> Response:
    record = world.schedule_interview(body)
    scheduled = InterviewScheduled(
        id=record["id"],
        interview_id=record["interview_id"],
        status=record["status"],
        meeting_link=record.get("meeting_link"),
        calendar_event_id=record.get("calendar_event_id"),
    )
    return render_json(scheduled.model_dump(mode="json"), status=201)


@router.patch(
    "/interviews/{interview_id}",
    response_model=Interview,
    responses=WRITE_ERRORS,
    dependencies=[Depends(declare_idempotency_key)],
    tags=["interviews"],
    summary="Record an outcome, cancel or reschedule an interview; returns the updated interview",
)
async def update_interview(interview_id: IdPath, body: InterviewUpdate, world=Depends(get_world)) -> Response:
    require_live(world.tables["interviews"], interview_id)
    record = world.update_interview(interview_id, body)
    return render_record(world.tables["interviews"], record["id"])
