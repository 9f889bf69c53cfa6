"""The canonical HRMS API over HTTP: every method, keyset paging, server-side `updated_since`, tombstones."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx

from hrmodel import canonical as c
from hrmodel import catalogue
from integrations.hrms.base import (
    WRITE_OPERATIONS,
    AdapterConfig,
    AdapterProvider,
    Capabilities,
    ConnectionCheck,
    HRMSAdapter,
    RecordPage,
)
from integrations.hrms.errors import ConfigurationError, HRMSError
from integrations.hrms.http import DEFAULT_POLICY, HRMSHttpClient, TransportPolicy, TransportState, paginate
from integrations.hrms.mapping import build_page_from_json

from . import mappers
from .config import MockConfig

API_PREFIX = "/api/v1"
MAX_PAGE_SIZE = 1000
SYNCED = frozenset(catalogue.NAMES)
# entity -> (list path, mapper, canonical schema when the wire record *is* the canonical record (a page is then
# validated in one call), whether to ask for the detail shape: `view=detail` saves a request per record)
LISTS: dict[str, tuple[str, Callable[[Mapping[str, Any]], Any], type[c.Record] | None, bool]] = {
    "departments": ("/departments", mappers.to_canonical_department, c.Department, False),
    "employees": ("/employees", mappers.to_canonical_employee, c.EmployeeDetail, True),
    "job_requisitions": ("/job-requisitions", mappers.to_canonical_job_requisition, c.JobRequisitionDetail, True),
    "candidates": ("/candidates", mappers.to_canonical_candidate, c.CandidateDetail, True),
    "interviews": ("/interviews", mappers.to_canonical_interview, c.Interview, False),
    "leave_requests": ("/leave-requests", mappers.to_canonical_leave_request, c.LeaveRequest, False),
    "leave_balances": ("/leave-balances", mappers.to_canonical_leave_balance, None, False),
}


class MockAdapter(HRMSAdapter):
    """Speaks the canonical API (`mock_hrms`, or an in-house HRMS that implements it)."""

    provider = AdapterProvider(
        key="mock",
        display_name="Canonical HRMS API (mock)",
        config_schema=MockConfig,
        capabilities=Capabilities(
            entities=SYNCED,
            incremental=SYNCED,
            deletions=SYNCED,  # tombstones on every list, balances keyed by employee id
            writes=WRITE_OPERATIONS,
            webhooks=False,
            email_lookup=True,
            bulk_leave_balances=True,
            max_page_size=MAX_PAGE_SIZE,
        ),
        # The canonical API is also what an in-house HRMS implements, whose capacity Harvey cannot know: the
        # transport's modest default (10 requests/s, burst 20). A local mock can take far more; say so with
        # `harvey connect --rate-limit N`.
        transport_policy=DEFAULT_POLICY,
    )

    def __init__(
        self,
        config: AdapterConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        state: TransportState | None = None,
        policy: TransportPolicy | None = None,
        **http_options: Any,
    ) -> None:
        super().__init__(config)
        token = config.credentials.get("token")
        if not token:
            raise ConfigurationError("The mock HRMS needs a bearer token (credential 'token')")
        self.http = HRMSHttpClient(
            config.base_url.rstrip("/") + API_PREFIX,
            integration_key=config.integration_key,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            allow_private_network=config.allow_private_network,
            state=state,
            policy=policy or self.provider.transport_policy,
            **http_options,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    # ------------------------------------------------------------------ paging, written once for every entity

    def _iter(
        self,
        entity: str,
        path: str,
        to_canonical: Callable[[Mapping[str, Any]], Any],
        *,
        updated_since: dt.datetime | None,
        include_deleted: bool,
        cursor: str | None,
        page_size: int | None,
        schema: type[c.Record] | None = None,
        **filters: Any,
    ) -> AsyncIterator[RecordPage]:
        params: dict[str, Any] = {
            "page_size": min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE),
            "include_deleted": "true" if include_deleted else "false",
            **{k: v for k, v in filters.items() if v is not None},
        }
        if updated_since is not None:
            params["updated_since"] = updated_since.isoformat()

        async def fetch(token: str | None) -> tuple[RecordPage, str | None]:
            response = await self.http.request("GET", path, params={**params, "cursor": token} if token else params)
            try:
                page = build_page_from_json(entity, response.content, to_canonical, schema=schema)
            except HRMSError as e:
                raise HRMSError(f"GET {path}: {e.message}", status=response.status_code) from e
            return page, page.cursor

        async def pages() -> AsyncIterator[RecordPage]:
            async for page in paginate(fetch, cursor):
                yield page.items

        return pages()

    # The base class's keyword arguments (updated_since, include_deleted, cursor, page_size, and the
    # entity's own filters) pass straight through to `_iter`, which turns them into query parameters.

    def iter_employees(self, **kwargs):
        return self._list("employees", **kwargs)

    def iter_departments(self, **kwargs):
        return self._list("departments", **kwargs)

    def iter_job_requisitions(self, *, status=None, **kwargs):
        return self._list("job_requisitions", status=status or "all", **kwargs)  # a sync wants closed ones too

    def iter_candidates(self, **kwargs):
        return self._list("candidates", **kwargs)

    def iter_interviews(self, **kwargs):
        return self._list("interviews", **kwargs)

    def iter_leave_requests(self, **kwargs):
        return self._list("leave_requests", **kwargs)

    def iter_leave_balances(self, **kwargs):
        return self._list("leave_balances", **kwargs)

    def _list(
        self,
        entity: str,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
        **filters: Any,
    ) -> AsyncIterator[RecordPage]:
        path, to_canonical, schema, detail = LISTS[entity]
        if detail:
            filters["view"] = "detail"
        return self._iter(
            entity,
            path,
            to_canonical,
            updated_since=updated_since,
            include_deleted=include_deleted,
            cursor=cursor,
            page_size=page_size,
            schema=schema,
            **filters,
        )

    # ------------------------------------------------------------------ single reads

    async def test_connection(self) -> ConnectionCheck:
        try:
            body = await self.http.get_json("/departments", params={"page_size": 1, "page": 1})
        except HRMSError as e:
            return ConnectionCheck(ok=False, message=e.message, details={"error": e.code})
        return ConnectionCheck(ok=True, message="Connected", details={"departments": body.get("total")})

    async def get_employee(self, employee_id: str) -> c.EmployeeDetail:
        return mappers.to_canonical_employee(await self.http.get_json(f"/employees/{_seg(employee_id)}"))

    async def get_reporting_chain(self, employee_id: str) -> c.ReportingChain:
        raw = await self.http.get_json(f"/employees/{_seg(employee_id)}/reporting-chain")
        return mappers.to_canonical_reporting_chain(raw)

    async def get_leave_balance(self, employee_id: str, year: int | None = None) -> c.LeaveBalance:
        params = {"year": year} if year else None
        raw = await self.http.get_json(f"/employees/{_seg(employee_id)}/leave-balance", params=params)
        return mappers.to_canonical_leave_balance(raw)

    async def find_employee_by_email(self, email: str) -> c.EmployeeDetail | None:
        body = await self.http.get_json("/employees", params={"email": email, "page": 1, "page_size": 1})
        if not body["data"]:
            return None
        return await self.get_employee(body["data"][0]["id"])

    async def get_job_requisition(self, requisition_id: str) -> c.JobRequisitionDetail:
        raw = await self.http.get_json(f"/job-requisitions/{_seg(requisition_id)}")
        return mappers.to_canonical_job_requisition(raw)

    async def get_candidate(self, candidate_id: str) -> c.CandidateDetail:
        return mappers.to_canonical_candidate(await self.http.get_json(f"/candidates/{_seg(candidate_id)}"))

    # ------------------------------------------------------------------ writes

    async def _write(self, method: str, path: str, data: c.RequestModel, idempotency_key: str | None) -> Any:
        body = data.model_dump(mode="json", exclude_unset=method == "PATCH")
        response = await self.http.request(method, path, json=body, idempotency_key=idempotency_key)
        return response.json()

    async def create_candidate(self, data, *, idempotency_key=None) -> c.CandidateCreated:
        raw = await self._write("POST", "/candidates", data, idempotency_key)
        return mappers.to_canonical_candidate_created(raw)

    async def schedule_interview(self, data, *, idempotency_key=None) -> c.InterviewScheduled:
        raw = await self._write("POST", "/interviews", data, idempotency_key)
        return mappers.to_canonical_interview_scheduled(raw)

    async def update_interview(self, interview_id, data, *, idempotency_key=None) -> c.Interview:
        raw = await self._write("PATCH", f"/interviews/{_seg(interview_id)}", data, idempotency_key)
        return mappers.to_canonical_interview(raw)

    async def create_leave_request(self, data, *, idempotency_key=None) -> c.LeaveRequestCreated:
        raw = await self._write("POST", "/leave-requests", data, idempotency_key)
        return mappers.to_canonical_leave_request_created(raw)


def _seg(value: str) -> str:
    """One URL path segment: an id can never climb out of its resource (`../`) or smuggle a query."""
    from urllib.parse import quote

    return quote(str(value), safe="")
