"""BambooHR applicant tracking over the world's requisitions and candidates (docs/vendors/bamboohr.md §6).

A world candidate is one BambooHR application (and applicant) with the same number. Statuses: the world's
stages and final states map onto one status list (ids fixed in STATUSES); BambooHR has no interview resource,
so interviews are not served here at all.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from hrmodel.canonical import CandidateSource
from mock_hrms.api.errors import ApiError
from mock_hrms.api.paging import render_json
from mock_hrms.vendors.bamboohr.ids import to_bamboo, to_world
from mock_hrms.world.records import changed

router = APIRouter()
# (id, code, name, world current_stage, world status)
STATUSES = (
    (1, "NEW", "New", "applied", "active"), (2, "SCREENED", "Phone Screened", "screening", "active"),
    (3, "TECH", "Technical Interview", "technical_interview", "active"),
    (4, "MANAGER", "Manager Interview", "manager_interview", "active"),
    (5, "HR", "HR Interview", "hr_interview", "active"), (6, "OFFER", "Offer Sent", "offer", "active"),
    (7, "HIRED", "Hired", "hired", "hired"), (8, "NOT_A_FIT", "Not a Fit", "rejected", "rejected"),
    (9, "ON_HOLD", "Put on Hold", None, "on_hold"), (10, "WITHDRAWN", "Candidate Withdrew", None, "withdrawn"),
)  # fmt: skip
STATUS_BY_ID = {s[0]: s for s in STATUSES}
JOB_STATUS = {"open": (1, "Open"), "on_hold": (2, "On Hold"), "filled": (3, "Filled"), "closed": (4, "Closed"),
              "cancelled": (5, "Canceled")}  # fmt: skip
SOURCES = {s.value.replace("_", ""): s.value for s in CandidateSource} | {
    "jobboard": "job_board",
    "indeed": "job_board",
}


def status_of(candidate: dict) -> tuple:
    if candidate["status"] in ("on_hold", "withdrawn", "hired", "rejected"):
        return next(s for s in STATUSES if s[4] == candidate["status"])
    return next((s for s in STATUSES if s[3] == candidate["current_stage"]), STATUSES[0])


def _job(request: Request, job_id: str | int) -> dict:
    world = request.app.state.world
    world_id = to_world(world, "job_requisitions", job_id)
    job = world.tables["job_requisitions"].get(world_id) if world_id else None
    if job is None:
        raise ApiError(404, "not_found", f"Job {job_id} not found.")
    return job


def _candidate(request: Request, application_id: str) -> dict:
    world = request.app.state.world
    world_id = to_world(world, "candidates", application_id)
    candidate = world.tables["candidates"].get(world_id) if world_id else None
    if candidate is None:
        raise ApiError(404, "not_found", f"Application {application_id} not found.")
    return candidate


def _hiring_lead(world, job: dict) -> dict | None:
    lead = world.tables["employees"].get(job["hiring_manager_id"]) if job.get("hiring_manager_id") else None
    if lead is None:
        return None
    return {"employeeId": int(to_bamboo(lead["id"])), "firstName": lead["first_name"], "lastName": lead["last_name"]}


def render_job(world, job: dict) -> dict:
    candidates = [world.tables["candidates"].get(c) for c in world.candidates_by_job.get(job["id"], ())]
    live = [c for c in candidates if c is not None]
    status_id, label = JOB_STATUS.get(job["status"], (4, "Closed"))
    return {
        "id": int(to_bamboo(job["id"])), "title": {"id": None, "label": job["title"]},
        "postedDate": job["created_date"],
        "location": {"id": None, "label": job["location"]}, "department": {"id": None, "label": job["department"]},
        "status": {"id": status_id, "label": label}, "hiringLead": _hiring_lead(world, job),
        "newApplicantsCount": sum(1 for c in live if c["current_stage"] == "applied" and c["status"] == "active"),
        "activeApplicantsCount": sum(1 for c in live if c["status"] in ("active", "on_hold")),
        "totalApplicantsCount": len(live), "postingUrl": f"https://acme.bamboohr.com/careers/{to_bamboo(job['id'])}",
    }  # fmt: skip


def render_application(candidate: dict) -> dict:
    status = status_of(candidate)
    return {
        "id": int(to_bamboo(candidate["id"])), "appliedDate": f"{candidate['application_date']}T00:00:00+00:00",
        "status": {"id": status[0], "label": status[2]}, "rating": None,
        "applicant": {"id": int(to_bamboo(candidate["id"])), "firstName": candidate["first_name"],
                      "lastName": candidate["last_name"], "email": candidate["email"], "source": candidate["source"]},
        "job": {"id": int(to_bamboo(candidate["applied_for_job_id"])),
                "title": {"id": None, "label": candidate["applied_for_job_title"]}},
    }  # fmt: skip


@router.get("/applicant_tracking/jobs")
async def jobs(request: Request, statusGroups: str | None = None) -> Response:
    world = request.app.state.world
    groups = {g.strip().lower() for g in (statusGroups or "").split(",") if g.strip()} or {"all"}
    found = []
    for job in world.tables["job_requisitions"].values():
        is_open = job["status"] in ("open", "on_hold")
        if "all" in groups or ("open" in groups and is_open) or ("closed" in groups and not is_open):
            found.append(render_job(world, job))
    return render_json(found)


@router.get("/applicant_tracking/statuses")
async def statuses() -> Response:
    return render_json(
        [{"id": s[0], "code": s[1], "name": s[2], "enabled": True, "manageable": True} for s in STATUSES]
    )


def _new_since(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").date().isoformat()
    except ValueError as e:
        raise ApiError(400, "bad_request", "newSince must be a UTC timestamp 'Y-m-d H:i:s'.") from e


@router.get("/applicant_tracking/applications")
async def applications(
    request: Request,
    page: int = 1,
    jobId: str | None = None,
    applicationStatusId: int | None = None,
    applicationStatus: str | None = None,
    newSince: str | None = None,
) -> Response:
    if page < 1:
        raise ApiError(400, "bad_request", "page must be at least 1.")
    since = _new_since(newSince)
    world = request.app.state.world
    rows = []
    for candidate in sorted(world.tables["candidates"].values(), key=lambda c: int(to_bamboo(c["id"]))):
        row = render_application(candidate)
        if jobId and str(row["job"]["id"]) != jobId:
            continue
        if applicationStatusId is not None and row["status"]["id"] != applicationStatusId:
            continue
        if applicationStatus and status_of(candidate)[1] != applicationStatus.upper():
            continue
        if since and candidate["application_date"] < since:
            continue
        rows.append(row)
    size = request.app.state.settings.applications_page_size
    chunk = rows[(page - 1) * size : page * size]
    complete = page * size >= len(rows)
    next_url = None if complete else str(request.url.include_query_params(page=page + 1))
    return render_json({"paginationComplete": complete, "nextPageUrl": next_url, "applications": chunk})


@router.get("/applicant_tracking/applications/{application_id}")
async def application(request: Request, application_id: str) -> Response:
    world = request.app.state.world
    candidate = _candidate(request, application_id)
    job = world.tables["job_requisitions"].get(candidate["applied_for_job_id"])
    detail = render_application(candidate)
    detail["applicant"].update({
        "phoneNumber": candidate["phone"], "linkedinUrl": candidate["linkedin_url"], "address": None,
        "websiteUrl": None, "availableStartDate": None, "education": None,
    })  # fmt: skip
    detail["job"]["hiringLead"] = _hiring_lead(world, job) if job else None
    detail.update({"resumeFileId": None, "coverLetterFileId": None, "questionsAndAnswers": [], "desiredSalary": None,
                   "referredBy": None, "movedTo": None, "alsoConsideredForCount": 0})  # fmt: skip
    return render_json(detail)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: int


@router.post("/applicant_tracking/applications/{application_id}/status")
async def change_status(request: Request, application_id: str, body: StatusChange) -> Response:
    world = request.app.state.world
    candidate = _candidate(request, application_id)
    status = STATUS_BY_ID.get(body.status)
    if status is None:
        raise ApiError(400, "bad_request", f"Unknown status id {body.status}.")
    fields = {"status": status[4]}
    if status[3] is not None:
        fields["current_stage"] = status[3]
    world.tables["candidates"].put(changed(candidate, world.stamp(), **fields))
    return render_json({"type": "statusChange", "id": int(application_id)})


@router.post("/applicant_tracking/application")
async def create_application(request: Request) -> Response:
    """Multipart form (BSDK add_new_candidate): firstName, lastName, jobId required; email, phoneNumber, source,
    linkedinUrl optional. Missing or invalid fields are a 422 as BambooHR documents."""
    form = await request.form()
    missing = [name for name in ("firstName", "lastName", "jobId") if not str(form.get(name) or "").strip()]
    if missing:
        raise ApiError(422, "unprocessable_entity", f"Missing required fields: {', '.join(missing)}.")
    job = _job(request, str(form["jobId"]))
    if not str(form.get("email") or "").strip():
        raise ApiError(422, "unprocessable_entity", "This simulator's world needs an email for every candidate.")
    source = str(form.get("source") or "").strip().lower().replace(" ", "").replace("_", "")
    candidate = request.app.state.world.create_candidate({
        "first_name": str(form["firstName"]), "last_name": str(form["lastName"]), "email": str(form["email"]),
        "phone": str(form.get("phoneNumber") or "") or None, "applied_for_job_id": job["id"],
        "source": SOURCES.get(source, "other"), "linkedin_url": str(form.get("linkedinUrl") or "") or None,
    })  # fmt: skip
    new_id = int(to_bamboo(candidate["id"]))
    return render_json({"result": "success", "candidateId": new_id, "applicationId": new_id})
