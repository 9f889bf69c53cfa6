"""Job requisitions, candidates and interviews: happy paths, filters, and write rules reaching the client."""

from __future__ import annotations

import datetime as dt

import httpx

from hrmodel.canonical import CandidateDetail, Interview, JobRequisition, JobRequisitionDetail
from mock_hrms.tests.helpers import assert_error, first

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def future_slot(days: int, hour: int = 11) -> str:
    day = dt.date.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), IST).isoformat()


async def open_job(client: httpx.AsyncClient) -> dict:
    return await first(client, "/api/v1/job-requisitions")


async def test_job_requisitions_default_to_open(mock_hrms_client):
    body = (await mock_hrms_client.get("/api/v1/job-requisitions", params={"page_size": 1000})).json()
    assert {job["status"] for job in body["data"]} == {"open"}


async def test_status_all_lists_every_requisition(mock_hrms_client):
    everything = (await mock_hrms_client.get("/api/v1/job-requisitions", params={"status": "all"})).json()
    only_open = (await mock_hrms_client.get("/api/v1/job-requisitions")).json()
    assert everything["total"] > only_open["total"]
    assert all(JobRequisition.model_validate(job) for job in everything["data"])


async def test_an_unknown_requisition_status_is_422(mock_hrms_client):
    assert_error(await mock_hrms_client.get("/api/v1/job-requisitions", params={"status": "hiring"}), 422)


async def test_a_requisition_detail_has_the_description_and_salary_range(mock_hrms_client):
    job = await open_job(mock_hrms_client)
    response = await mock_hrms_client.get(f"/api/v1/job-requisitions/{job['id']}")
    detail = JobRequisitionDetail.model_validate(response.json())
    assert detail.requirements
    assert detail.salary_range is not None


async def test_candidates_filter_by_job_and_stage(mock_hrms_client):
    candidate = await first(mock_hrms_client, "/api/v1/candidates")
    params = {"job_id": candidate["applied_for_job_id"], "current_stage": candidate["current_stage"]}
    body = (await mock_hrms_client.get("/api/v1/candidates", params=params)).json()
    assert candidate["id"] in {c["id"] for c in body["data"]} or body["total"] > len(body["data"])
    assert all(c["applied_for_job_id"] == params["job_id"] for c in body["data"])
    assert all(c["current_stage"] == params["current_stage"] for c in body["data"])


async def test_a_candidate_detail_has_education_and_interview_history(mock_hrms_client):
    candidate = await first(mock_hrms_client, "/api/v1/candidates")
    response = await mock_hrms_client.get(f"/api/v1/candidates/{candidate['id']}")
    detail = CandidateDetail.model_validate(response.json())
    assert detail.id == candidate["id"]
    assert isinstance(detail.education, list)


async def test_a_created_candidate_can_be_read_back_and_found_by_email(mock_hrms_client):
    job = await open_job(mock_hrms_client)
    body = {"first_name": "Meera", "email": "Meera.Iyer@Example.org", "applied_for_job_id": job["id"]}
    created = await mock_hrms_client.post("/api/v1/candidates", json=body)
    assert created.status_code == 201, created.text
    found = (await mock_hrms_client.get("/api/v1/candidates", params={"email": "MEERA.IYER@example.org"})).json()
    assert [c["id"] for c in found["data"]] == [created.json()["id"]]


async def test_a_candidate_for_an_unknown_job_is_404(mock_hrms_client):
    body = {"first_name": "A", "email": "a@example.org", "applied_for_job_id": "JOB999999"}
    assert_error(await mock_hrms_client.post("/api/v1/candidates", json=body), 404, "job_requisition_not_found")


async def test_a_second_application_with_the_same_email_is_409(mock_hrms_client):
    job = await open_job(mock_hrms_client)
    body = {"first_name": "Dup", "email": "dup@example.org", "applied_for_job_id": job["id"]}
    assert (await mock_hrms_client.post("/api/v1/candidates", json=body)).status_code == 201
    assert_error(await mock_hrms_client.post("/api/v1/candidates", json=body), 409, "duplicate_candidate")


async def test_applying_to_a_closed_requisition_is_422(mock_hrms_client):
    everything = await mock_hrms_client.get("/api/v1/job-requisitions", params={"status": "all", "page_size": 1000})
    closed = next(job for job in everything.json()["data"] if job["status"] != "open")
    body = {"first_name": "Late", "email": "late@example.org", "applied_for_job_id": closed["id"]}
    assert_error(await mock_hrms_client.post("/api/v1/candidates", json=body), 422, "requisition_not_open")


async def interview_request(client: httpx.AsyncClient, days: int) -> dict:
    candidate = await first(client, "/api/v1/candidates", status="active")
    job_id = candidate["applied_for_job_id"]
    interviewer = await first(client, "/api/v1/employees", employment_status="active", department="Engineering")
    return {
        "candidate_id": candidate["id"], "job_id": job_id, "interviewer_id": interviewer["id"],
        "scheduled_date": future_slot(days), "duration_minutes": 60, "interview_type": "technical",
    }  # fmt: skip


async def test_scheduling_returns_meeting_link_and_calendar_event(mock_hrms_client):
    request = await interview_request(mock_hrms_client, 300)
    response = await mock_hrms_client.post("/api/v1/interviews", json=request)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["meeting_link"]
    assert body["calendar_event_id"]
    listed = (await mock_hrms_client.get("/api/v1/interviews", params={"candidate_id": request["candidate_id"]})).json()
    assert body["id"] in {i["id"] for i in listed["data"]}


async def test_double_booking_an_interviewer_is_409(mock_hrms_client):
    request = await interview_request(mock_hrms_client, 301)
    assert (await mock_hrms_client.post("/api/v1/interviews", json=request)).status_code == 201
    response = await mock_hrms_client.post("/api/v1/interviews", json=request)
    assert_error(response, 409, "interviewer_double_booked")


async def test_an_interview_in_the_past_is_422(mock_hrms_client):
    request = await interview_request(mock_hrms_client, -3)
    assert_error(await mock_hrms_client.post("/api/v1/interviews", json=request), 422, "interview_in_past")


async def test_a_naive_interview_time_is_422_validation_error(mock_hrms_client):
    request = await interview_request(mock_hrms_client, 302)
    request["scheduled_date"] = "2031-01-01T10:00:00"
    assert_error(await mock_hrms_client.post("/api/v1/interviews", json=request), 422, "validation_error")


async def test_patch_records_an_outcome_and_returns_the_interview(mock_hrms_client):
    interview = await first(mock_hrms_client, "/api/v1/interviews", status="scheduled")
    outcome = {"status": "completed", "feedback": "Good", "rating": 4, "recommendation": "proceed_to_next_round"}
    response = await mock_hrms_client.patch(f"/api/v1/interviews/{interview['id']}", json=outcome)
    assert response.status_code == 200, response.text
    updated = Interview.model_validate(response.json())
    assert (updated.status, updated.rating, updated.recommendation) == ("completed", 4, "proceed_to_next_round")


async def test_patch_reschedules_via_scheduled_date(mock_hrms_client):
    request = await interview_request(mock_hrms_client, 303)
    created = (await mock_hrms_client.post("/api/v1/interviews", json=request)).json()
    new_slot = future_slot(304, hour=15)
    response = await mock_hrms_client.patch(f"/api/v1/interviews/{created['id']}", json={"scheduled_date": new_slot})
    assert response.status_code == 200, response.text
    assert dt.datetime.fromisoformat(response.json()["scheduled_date"]) == dt.datetime.fromisoformat(new_slot)


async def test_changing_a_cancelled_interview_is_409(mock_hrms_client):
    interview = await first(mock_hrms_client, "/api/v1/interviews", status="scheduled")
    path = f"/api/v1/interviews/{interview['id']}"
    assert (await mock_hrms_client.patch(path, json={"status": "cancelled"})).status_code == 200
    assert_error(await mock_hrms_client.patch(path, json={"status": "completed"}), 409, "illegal_transition")


async def test_patching_an_unknown_interview_is_404(mock_hrms_client):
    assert_error(await mock_hrms_client.patch("/api/v1/interviews/INT999999", json={"status": "cancelled"}), 404)


async def test_an_empty_patch_is_422(mock_hrms_client):
    interview = await first(mock_hrms_client, "/api/v1/interviews")
    response = await mock_hrms_client.patch(f"/api/v1/interviews/{interview['id']}", json={})
    assert_error(response, 422, "validation_error")
