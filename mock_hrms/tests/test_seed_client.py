"""A client written only from the seed document works unchanged: its paths, parameters and JSON keys."""

from __future__ import annotations

import httpx

SEED_EMPLOYEE_KEYS = {
    "id", "employee_id", "first_name", "last_name", "email", "phone", "department", "job_title", "manager_id",
    "hire_date", "employment_status", "location", "work_type",
}  # fmt: skip
SEED_EMPLOYEE_DETAIL_KEYS = SEED_EMPLOYEE_KEYS | {
    "manager_name", "skills", "certifications", "performance_rating", "salary_band",
}  # fmt: skip
SEED_JOB_KEYS = {
    "id", "requisition_id", "title", "department", "hiring_manager_id", "hiring_manager_name", "status",
    "headcount", "filled_positions", "location", "job_type", "created_date", "target_hire_date",
}  # fmt: skip
SEED_JOB_DETAIL_KEYS = SEED_JOB_KEYS | {"description", "requirements", "nice_to_have", "salary_range"}
SEED_CANDIDATE_KEYS = {
    "id", "candidate_id", "first_name", "last_name", "email", "phone", "current_stage", "applied_for_job_id",
    "applied_for_job_title", "source", "application_date", "status",
}  # fmt: skip
SEED_CANDIDATE_DETAIL_KEYS = SEED_CANDIDATE_KEYS | {
    "resume_url", "linkedin_url", "skills", "experience_years", "current_company", "current_title",
    "education", "interview_history",
}  # fmt: skip
SEED_INTERVIEW_KEYS = {
    "id", "interview_id", "candidate_id", "candidate_name", "job_id", "job_title", "interviewer_id",
    "interviewer_name", "interviewer_email", "scheduled_date", "duration_minutes", "interview_type", "status",
    "meeting_link",
}  # fmt: skip
SEED_LEAVE_KEYS = {
    "id", "leave_request_id", "employee_id", "employee_name", "leave_type", "start_date", "end_date",
    "total_days", "status", "applied_date", "reason",
}  # fmt: skip
SEED_DEPARTMENT_KEYS = {"id", "department_id", "name", "head_id", "head_name", "employee_count", "location"}
ENVELOPE_KEYS = {"data", "total", "page", "page_size"}


async def seed_list(client: httpx.AsyncClient, path: str, page_size: int) -> dict:
    response = await client.get(f"/api/v1/{path}", params={"page": 1, "page_size": page_size})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS
    assert body["page"] == 1
    assert body["page_size"] == page_size
    return body


async def test_seed_client_reads_every_seed_endpoint_with_the_seed_keys(mock_hrms_client: httpx.AsyncClient):
    client = mock_hrms_client
    employees = await seed_list(client, "employees", 50)
    assert employees["total"] == 150
    assert all(set(e) >= SEED_EMPLOYEE_KEYS for e in employees["data"])

    employee_id = employees["data"][0]["id"]
    detail = (await client.get(f"/api/v1/employees/{employee_id}")).json()
    assert set(detail) >= SEED_EMPLOYEE_DETAIL_KEYS

    jobs = await seed_list(client, "job-requisitions", 20)
    assert jobs["data"]
    assert all(set(j) >= SEED_JOB_KEYS and j["status"] == "open" for j in jobs["data"])
    job = (await client.get(f"/api/v1/job-requisitions/{jobs['data'][0]['id']}")).json()
    assert set(job) >= SEED_JOB_DETAIL_KEYS
    assert {"min", "max", "currency"} <= set(job["salary_range"])

    candidates = await seed_list(client, "candidates", 20)
    assert all(set(c) >= SEED_CANDIDATE_KEYS for c in candidates["data"])
    candidate = (await client.get(f"/api/v1/candidates/{candidates['data'][0]['id']}")).json()
    assert set(candidate) >= SEED_CANDIDATE_DETAIL_KEYS

    interviews = await seed_list(client, "interviews", 20)
    assert all(set(i) >= SEED_INTERVIEW_KEYS for i in interviews["data"])

    leaves = await seed_list(client, "leave-requests", 20)
    assert all(set(leave) >= SEED_LEAVE_KEYS for leave in leaves["data"])

    departments = (await client.get("/api/v1/departments")).json()
    assert departments["data"]
    assert all(set(d) >= SEED_DEPARTMENT_KEYS for d in departments["data"])

    balance = (await client.get(f"/api/v1/employees/{employee_id}/leave-balance")).json()
    assert {"employee_id", "leave_balances", "year"} <= set(balance)
    assert {"leave_type", "total_allocated", "used", "pending", "available"} <= set(balance["leave_balances"][0])

    chain = (await client.get(f"/api/v1/employees/{employee_id}/reporting-chain")).json()
    assert {"employee_id", "employee_name", "reporting_chain"} <= set(chain)


async def test_seed_client_writes_with_the_seed_request_bodies(mock_hrms_client: httpx.AsyncClient):
    client = mock_hrms_client
    job = (await client.get("/api/v1/job-requisitions", params={"page": 1, "page_size": 20})).json()["data"][0]
    created = await client.post(
        "/api/v1/candidates",
        json={
            "first_name": "Alice", "last_name": "Johnson", "email": "alice.j@email.com", "phone": "+91-9123456789",
            "applied_for_job_id": job["id"], "source": "referral",
            "resume_url": "https://storage.company.com/resumes/alice_resume.pdf",
            "linkedin_url": "https://linkedin.com/in/alicejohnson",
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"id", "candidate_id", "status", "message"}
    assert created.json()["status"] == "created"
