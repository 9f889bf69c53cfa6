"""Writes the HRMS has no API for (BambooHR interviews): Harvey keeps them itself and says so."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from hrmodel import canonical as c
from integrations.hrms import errors
from integrations.hrms.adapters.bamboohr import BambooHRAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState
from integrations.hrms.service import HRMSIntegrationService

pytestmark = pytest.mark.django_db(transaction=True)
SOON = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)


@sync_to_async
def bamboohr_organization():
    from harvey.organizations.models import HRMSIntegration, Organization
    from harvey.replica.models import Candidate, Employee, JobRequisition

    org = Organization.objects.create(name="Acme", slug="acme")
    HRMSIntegration.objects.create(
        organization=org,
        hrms_type="bamboohr",
        base_url="https://acme.bamboohr.com",
        credentials={"company_domain": "acme", "api_key": "k"},
    )
    Employee.objects.create(
        organization=org, external_id="7", employee_id="7", first_name="Bob", last_name="Wilson",
        email="bob@acme.test", employment_status="active",
    )  # fmt: skip
    JobRequisition.objects.create(
        organization=org, external_id="J1", requisition_id="J1", title="Engineer", status="open"
    )
    Candidate.objects.create(
        organization=org, external_id="C1", candidate_id="C1", first_name="Alice", email="alice@x.test",
        current_stage="screening", status="active", applied_for_job_id="J1",
    )  # fmt: skip
    return org


def service(org) -> HRMSIntegrationService:
    adapter = BambooHRAdapter(
        AdapterConfig("https://acme.bamboohr.com", {"company_domain": "acme", "api_key": "k"}),
        state=MemoryTransportState(),
    )
    return HRMSIntegrationService(org, adapter=adapter)


def interview(**overrides) -> c.InterviewCreate:
    values = {
        "candidate_id": "C1",
        "job_id": "J1",
        "interviewer_id": "7",
        "scheduled_date": SOON,
        "interview_type": "technical",
    }
    return c.InterviewCreate(**{**values, **overrides})


async def test_scheduling_an_interview_bamboohr_cannot_take_is_kept_by_harvey_and_says_so():
    from harvey.replica.models import Interview

    org = await bamboohr_organization()
    async with service(org) as svc:
        result = await svc.schedule_interview(interview())
    assert result.id.startswith("HARVEY-INT-")
    assert "Harvey keeps this record itself" in result.message
    stored = await Interview.objects.aget(organization=org, external_id=result.id)
    assert stored.hrms_type == "harvey"
    assert stored.interviewer_name == "Bob Wilson"


async def test_a_double_booking_is_refused_locally_too():
    org = await bamboohr_organization()
    async with service(org) as svc:
        await svc.schedule_interview(interview())
        with pytest.raises(errors.Conflict):
            await svc.schedule_interview(interview(scheduled_date=SOON + dt.timedelta(minutes=30)))


async def test_unknown_candidate_is_not_found():
    org = await bamboohr_organization()
    async with service(org) as svc:
        with pytest.raises(errors.NotFound):
            await svc.schedule_interview(interview(candidate_id="NOPE"))


async def test_a_kept_interview_is_completed_with_feedback_and_then_final():
    org = await bamboohr_organization()
    async with service(org) as svc:
        created = await svc.schedule_interview(interview())
        done = await svc.update_interview(
            created.id, c.InterviewUpdate(status="completed", rating=4, recommendation="proceed_to_next_round")
        )
        assert done.status == "completed"
        assert done.rating == 4
        with pytest.raises(errors.Conflict):
            await svc.update_interview(created.id, c.InterviewUpdate(status="scheduled"))
