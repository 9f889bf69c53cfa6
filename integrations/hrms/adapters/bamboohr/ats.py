"""Recruiting through BambooHR's applicant tracking (docs/vendors/bamboohr.md §6), mixed into the adapter.

Jobs are requisitions (one unpaged list: a single job is found in it); applications are candidates, paged by
number and each read in detail (phone, LinkedIn). Uses the adapter's `http` client and `_gather`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx

from hrmodel import canonical as c
from integrations.hrms.errors import NotFound
from integrations.hrms.http import HRMSHttpClient

from . import mappers
from .client import seg
from .local_paging import convert_page, id_order, pages


class ApplicantTracking:
    """ATS reads and the candidate write; the adapter provides `http` and `_gather`."""

    http: HRMSHttpClient
    _gather: Callable[[Iterable[str], Callable[[str], Awaitable[Any]]], Awaitable[list[Any]]]

    async def _jobs(self) -> list[dict[str, Any]]:
        return list(await self.http.get_json("/applicant_tracking/jobs", params={"statusGroups": "ALL"}) or [])

    async def iter_job_requisitions(
        self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None, status=None
    ):
        jobs = sorted(await self._jobs(), key=lambda raw: id_order(raw.get("id")))
        for page in pages(
            "job_requisitions", jobs, mappers.to_canonical_job_requisition, cursor=cursor, size=page_size
        ):
            if status:
                page.records = [r for r in page.records if r.status == status]
            yield page

    async def get_job_requisition(self, requisition_id: str) -> c.JobRequisitionDetail:
        """BambooHR has no one-job endpoint: the job is found in the (short, unpaged) job list."""
        for raw in await self._jobs():
            if str(raw.get("id")) == str(requisition_id):
                return mappers.to_canonical_job_requisition(raw)
        raise NotFound(f"BambooHR job {requisition_id} not found")

    async def _status_codes(self) -> dict[str, str]:
        statuses = await self.http.get_json("/applicant_tracking/statuses")
        return {str(s.get("id")): str(s.get("code") or "") for s in statuses or []}

    async def iter_candidates(
        self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None, job_id=None
    ):
        """Applications page by page (BambooHR's page numbers; the cursor is the next page number), each
        application read in detail."""
        codes = await self._status_codes()
        page_number = int(cursor) if cursor and cursor.isdigit() else 1
        while True:
            params = {"page": page_number, **({"jobId": job_id} if job_id else {})}
            body = await self.http.get_json("/applicant_tracking/applications", params=params)
            ids = [str(a.get("id")) for a in body.get("applications") or []]
            details = [d for d in await self._gather(ids, self._application) if d is not None]
            done = bool(body.get("paginationComplete")) or not body.get("nextPageUrl") or not ids
            next_cursor = None if done else str(page_number + 1)
            page = convert_page(
                "candidates", details, lambda raw: mappers.to_canonical_candidate(raw, status_codes=codes)
            )
            page.cursor = next_cursor
            yield page
            if done:
                return
            page_number += 1

    async def _application(self, application_id: str) -> dict[str, Any]:
        return await self.http.get_json(f"/applicant_tracking/applications/{seg(application_id)}")

    async def get_candidate(self, candidate_id: str) -> c.CandidateDetail:
        codes = await self._status_codes()
        return mappers.to_canonical_candidate(await self._application(candidate_id), status_codes=codes)

    async def create_candidate(self, data, *, idempotency_key=None) -> c.CandidateCreated:
        """`POST /applicant_tracking/application` as a multipart form (BSDK add_new_candidate). Sent once:
        BambooHR knows no idempotency key, and a retried POST could add the candidate twice."""
        form = {
            "firstName": data.first_name,
            "lastName": data.last_name or "-",
            "email": data.email,
            "jobId": data.applied_for_job_id,
            "source": data.source,
            "phoneNumber": data.phone,
            "linkedinUrl": data.linkedin_url,
        }
        encoded = httpx.Request(
            "POST", "http://form.invalid/", files={k: (None, str(val)) for k, val in form.items() if val}
        )
        content = encoded.read()
        headers = {"Content-Type": encoded.headers["Content-Type"]}
        response = await self.http.request("POST", "/applicant_tracking/application", content=content, headers=headers)
        return mappers.to_canonical_candidate_created(response.json())
