"""Acme HR: a tiny third-party adapter serving a static roster from its configuration options.

It stands in for a package published by someone else; only employees are provided, everything else is
declared unsupported in its capabilities and refused with UnsupportedOperation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, NoReturn

from pydantic import BaseModel

from hrmodel import canonical as c
from integrations.hrms.base import AdapterProvider, Capabilities, ConnectionCheck, HRMSAdapter, RecordPage
from integrations.hrms.errors import NotFound, UnsupportedOperation


class AcmeConfig(BaseModel):
    employees: list[dict[str, Any]] = []


class AcmeTestAdapter(HRMSAdapter):
    provider = AdapterProvider(
        key="acme_test",
        display_name="Acme HR (test plugin)",
        config_schema=AcmeConfig,
        capabilities=Capabilities(entities=frozenset({"employees"})),
    )

    def _roster(self) -> list[c.EmployeeDetail]:
        return [c.EmployeeDetail.model_validate(raw) for raw in self.config.options.get("employees", [])]

    def _unsupported(self, what: str) -> NoReturn:
        raise UnsupportedOperation(f"{self.provider.display_name} does not provide {what}")

    async def test_connection(self) -> ConnectionCheck:
        return ConnectionCheck(ok=True, message=f"{len(self._roster())} employees configured")

    async def iter_employees(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[RecordPage[c.EmployeeDetail]]:
        records = [
            e for e in self._roster() if updated_since is None or (e.updated_at or updated_since) >= updated_since
        ]
        yield RecordPage(entity="employees", records=records, fetched=len(records))

    async def get_employee(self, employee_id: str) -> c.EmployeeDetail:
        for employee in self._roster():
            if employee.id == employee_id:
                return employee
        raise NotFound(f"no employee {employee_id}")

    async def get_leave_balance(self, employee_id: str, year: int | None = None) -> c.LeaveBalance:
        self._unsupported("leave balances")

    async def iter_departments(self, **kwargs: Any) -> AsyncIterator[RecordPage[c.Department]]:
        self._unsupported("departments")
        yield  # pragma: no cover - marks this an async generator

    async def iter_job_requisitions(self, **kwargs: Any) -> AsyncIterator[RecordPage[c.JobRequisitionDetail]]:
        self._unsupported("job requisitions")
        yield  # pragma: no cover

    async def get_job_requisition(self, requisition_id: str) -> c.JobRequisitionDetail:
        self._unsupported("job requisitions")

    async def iter_candidates(self, **kwargs: Any) -> AsyncIterator[RecordPage[c.CandidateDetail]]:
        self._unsupported("candidates")
        yield  # pragma: no cover

    async def get_candidate(self, candidate_id: str) -> c.CandidateDetail:
        self._unsupported("candidates")

    async def iter_interviews(self, **kwargs: Any) -> AsyncIterator[RecordPage[c.Interview]]:
        self._unsupported("interviews")
        yield  # pragma: no cover

    async def iter_leave_requests(self, **kwargs: Any) -> AsyncIterator[RecordPage[c.LeaveRequest]]:
        self._unsupported("leave requests")
        yield  # pragma: no cover

    async def create_candidate(
        self, data: c.CandidateCreate, *, idempotency_key: str | None = None
    ) -> c.CandidateCreated:
        self._unsupported("candidate creation")

    async def schedule_interview(
        self, data: c.InterviewCreate, *, idempotency_key: str | None = None
    ) -> c.InterviewScheduled:
        self._unsupported("interviews")

    async def update_interview(
        self, interview_id: str, data: c.InterviewUpdate, *, idempotency_key: str | None = None
    ) -> c.Interview:
        self._unsupported("interviews")

    async def create_leave_request(
        self, data: c.LeaveRequestCreate, *, idempotency_key: str | None = None
    ) -> c.LeaveRequestCreated:
        self._unsupported("leave requests")
