"""Records Harvey keeps itself when the organization's HRMS has no API for them (BambooHR: interviews).

The adapter's capabilities say which writes the HRMS accepts; for the others the integration service
stores the record in Harvey's replica (`hrms_type = "harvey"`, external ids `HARVEY-…`) and says so in the
answer — never a silent no-op, never a pretend success in the HRMS. The checks are the ones an HRMS would
make, against the replica: the candidate, job and interviewer exist, the slot is free, the transition is
legal.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from harvey.organizations.models import Organization
from harvey.replica.models import Candidate, Employee, Interview, JobRequisition
from harvey.replica.registry import row_to_canonical
from hrmodel import canonical as c

from .errors import Conflict, NotFound, ValidationRejected

LOCAL_SOURCE = "harvey"
FINAL = {c.InterviewStatus.COMPLETED, c.InterviewStatus.CANCELLED, c.InterviewStatus.NO_SHOW}


def kept_by_harvey(hrms_name: str, what: str) -> str:
    return f"{hrms_name} has no API for {what}; Harvey keeps this record itself (not sent to the HRMS)."


def _get(model, organization: Organization, external_id: str, label: str):
    row = model.objects.filter(organization=organization, external_id=external_id).first()
    if row is None:
        raise NotFound(f"No {label} {external_id!r} in Harvey's copy of the HRMS")
    return row


def _check_free(organization: Organization, interviewer_id: str, start: dt.datetime, minutes: int, skip=None):
    end = start + dt.timedelta(minutes=minutes)
    busy = Interview.objects.filter(
        organization=organization, interviewer_id=interviewer_id, status=c.InterviewStatus.SCHEDULED
    ).exclude(pk=skip)
    for other in busy.filter(scheduled_date__lt=end, scheduled_date__gt=start - dt.timedelta(hours=8)):
        if other.scheduled_date + dt.timedelta(minutes=other.duration_minutes) > start:
            raise Conflict(f"The interviewer already has interview {other.external_id} at that time")


def schedule_interview(organization: Organization, data: c.InterviewCreate, hrms_name: str) -> c.InterviewScheduled:
    with transaction.atomic():
        candidate = _get(Candidate, organization, data.candidate_id, "candidate")
        job = _get(JobRequisition, organization, data.job_id, "job requisition")
        interviewer = _get(Employee, organization, data.interviewer_id, "interviewer")
        if data.scheduled_date <= timezone.now():
            raise ValidationRejected("An interview must be scheduled in the future")
        if interviewer.employment_status == c.EmploymentStatus.TERMINATED:
            raise ValidationRejected("The interviewer no longer works here")
        _check_free(organization, interviewer.external_id, data.scheduled_date, data.duration_minutes)
        external_id = f"HARVEY-INT-{uuid.uuid4().hex[:10].upper()}"
        Interview.objects.create(
            organization=organization,
            external_id=external_id,
            hrms_type=LOCAL_SOURCE,
            source_updated_at=timezone.now(),
            interview_id=external_id,
            candidate_id=candidate.external_id,
            candidate_name=f"{candidate.first_name} {candidate.last_name}".strip(),
            job_id=job.external_id,
            job_title=job.title,
            interviewer_id=interviewer.external_id,
            interviewer_name=interviewer.full_name,
            interviewer_email=interviewer.email,
            scheduled_date=data.scheduled_date,
            duration_minutes=data.duration_minutes,
            interview_type=data.interview_type,
            status=c.InterviewStatus.SCHEDULED,
            notes=data.notes,
            candidate_ref=candidate,
            job_ref=job,
            interviewer_ref=interviewer,
        )
    return c.InterviewScheduled(
        id=external_id,
        interview_id=external_id,
        status=c.InterviewStatus.SCHEDULED,
        message=kept_by_harvey(hrms_name, "interviews"),
    )


def update_interview(organization: Organization, interview_id: str, data: c.InterviewUpdate) -> c.Interview:
    with transaction.atomic():
        row = Interview.objects.select_for_update().filter(organization=organization, external_id=interview_id).first()
        if row is None:
            raise NotFound(f"No interview {interview_id!r} kept by Harvey")
        changes = data.model_dump(exclude_unset=True)
        status = changes.get("status", row.status)
        outcome_only = status == row.status and set(changes) - {"status"} <= {"feedback", "rating", "recommendation"}
        if row.status in FINAL and not (row.status == c.InterviewStatus.COMPLETED and outcome_only):
            raise Conflict(f"The interview is {row.status}; only a completed one may still get feedback")
        if ("rating" in changes or "recommendation" in changes) and status != c.InterviewStatus.COMPLETED:
            raise ValidationRejected("A rating or recommendation needs a completed interview")
        if "scheduled_date" in changes or "duration_minutes" in changes:
            start = changes.get("scheduled_date", row.scheduled_date)
            _check_free(
                organization, row.interviewer_id, start, changes.get("duration_minutes", row.duration_minutes), row.pk
            )
        if "interviewer_id" in changes:
            interviewer = _get(Employee, organization, changes["interviewer_id"], "interviewer")
            _check_free(organization, interviewer.external_id, row.scheduled_date, row.duration_minutes, row.pk)
            row.interviewer_ref, row.interviewer_name, row.interviewer_email = (
                interviewer,
                interviewer.full_name,
                interviewer.email,
            )
        for name, value in changes.items():
            setattr(row, name, value)
        row.source_updated_at = timezone.now()
        row.save()
    return row_to_canonical("interviews", row)
