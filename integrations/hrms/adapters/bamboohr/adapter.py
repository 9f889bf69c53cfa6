"""The `bamboohr` adapter: BambooHR's REST API in canonical terms.

How each entity is read (and why):
- employees, full read: one custom report (`POST /reports/custom`) naming exactly the fields the mapper needs,
  plus `/meta/lists` (department ids) and `GET /employees/all/tables/employmentStatus` (a terminated
  employee's work type): three requests for any company size. The directory leaves out inactive employees
  and most fields; the cursor-paged `/employees` lists 100 a page. Reports are not paged, so pages are cut
  locally and the cursor is the last employee id (resuming re-runs the report and skips up to it).
- employees, incremental: `GET /employees/changed?since=` names who was inserted, updated or deleted;
  `changed/tables/employmentStatus` brings their work types; each changed employee is then fetched with
  `GET /employees/{id}?fields=…`. `Deleted` actions become tombstones.
- departments: built from `/meta/lists` and the employees (see org_units.py).
- leave: `/time_off/requests` in yearly windows (no paging, no change feed, so never incremental); balances
  from the calculator, one employee at a time.
- recruiting: ATS jobs; applications paged by number, each read in detail for phone and LinkedIn.
- interviews: BambooHR has none — see `capabilities` and `UnsupportedOperation`.
Every request asks for current values (`onlyCurrent=true`): future-dated changes are not in force yet and must
not reach the replica before their date.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from hrmodel import canonical as c
from integrations.hrms.base import (
    AdapterConfig,
    AdapterProvider,
    Capabilities,
    ConnectionCheck,
    HRMSAdapter,
    RecordPage,
)
from integrations.hrms.errors import HRMSError, InvalidRecord, NotFound, UnsupportedOperation, ValidationRejected
from integrations.hrms.http import DEFAULT_POLICY, TransportPolicy, TransportState

from . import mappers, org_units
from . import vocabulary as v
from .ats import ApplicantTracking
from .client import build_http_client, seg
from .config import BambooHRConfig
from .local_paging import PAGE_SIZE, id_order, pages
from .webhook import BambooHRWebhookHandler

DETAIL_CONCURRENCY = 8
LISTS_TTL_SECONDS = 300.0
LEAVE_LOOKBACK_DAYS = 730
LEAVE_LOOKAHEAD_DAYS = 365
BUSINESS_TZ = ZoneInfo("Asia/Kolkata")
NO_INTERVIEWS = (
    "BambooHR has no interview API: Harvey keeps interviews for BambooHR organizations in its own database "
    "and never sends them to BambooHR"
)
STATUS_QUERY = {  # canonical leave status -> BambooHR request statuses
    "pending": "requested",
    "approved": "approved",
    "rejected": "denied",
    "cancelled": "canceled,superceded",
}
READ = frozenset({"departments", "employees", "job_requisitions", "candidates", "leave_requests", "leave_balances"})


class BambooHRAdapter(ApplicantTracking, HRMSAdapter):
    provider = AdapterProvider(
        key="bamboohr",
        display_name="BambooHR",
        config_schema=BambooHRConfig,
        capabilities=Capabilities(
            entities=READ,
            incremental=frozenset({"employees"}),
            deletions=frozenset({"employees"}),
            writes=frozenset({"create_candidate", "create_leave_request"}),
            webhooks=True,
            email_lookup=False,
            bulk_leave_balances=False,
            max_page_size=PAGE_SIZE,
        ),
        docs_url="https://documentation.bamboohr.com/reference",
        # BambooHR publishes no rate limits (https://documentation.bamboohr.com/docs/api-details: requests
        # "may be throttled", with 503, from 16 Sep 2026 with 429 + Retry-After, which the transport honours).
        # An API key's budget is shared with the company's other integrations, so Harvey takes half the
        # transport's default: 5 requests/s, bursts of 10. A company that knows its limit sets --rate-limit.
        transport_policy=dataclasses.replace(DEFAULT_POLICY, rate_per_second=5.0, burst=10),
    )
    webhook_handler = BambooHRWebhookHandler()

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
        self.settings = BambooHRConfig.from_adapter_config(config)
        self.http = build_http_client(
            self.settings,
            integration_key=config.integration_key,
            transport=transport,
            allow_private_network=config.allow_private_network,
            state=state,
            policy=policy or self.provider.transport_policy,
            **http_options,
        )
        self._lists: tuple[float, list[dict[str, Any]]] | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    # ------------------------------------------------------------------ connection

    async def test_connection(self) -> ConnectionCheck:
        """The cheapest authenticated call: the API key's own employee (id 0), two fields."""
        try:
            await self.http.get_json("/employees/0", params={"fields": "firstName"})
        except HRMSError as e:
            return ConnectionCheck(ok=False, message=e.message, details={"error": e.code})
        details = {"company_domain": self.settings.company_domain, "url_form": self.settings.url_form}
        return ConnectionCheck(ok=True, message="Connected", details=details)

    # ------------------------------------------------------------------ shared reads

    async def _meta_lists(self) -> list[dict[str, Any]]:
        """`/meta/lists`, kept a few minutes (option ids are stable; a reporting chain must not refetch it)."""
        now = time.monotonic()
        if self._lists is None or now - self._lists[0] > LISTS_TTL_SECONDS:
            self._lists = (now, await self.http.get_json("/meta/lists"))
        return self._lists[1]

    async def _report(self, fields: Sequence[str]) -> list[dict[str, Any]]:
        body = {"title": "Harvey sync", "fields": ["id", *fields], "filterDuplicates": "yes"}
        response = await self.http.request(
            "POST", "/reports/custom", params={"format": "JSON", "onlyCurrent": "true"}, json=body
        )
        return list(response.json().get("employees") or [])

    async def _employment_rows(self) -> dict[str, list[dict[str, Any]]]:
        rows = await self.http.get_json("/employees/all/tables/employmentStatus")
        by_employee: dict[str, list[dict[str, Any]]] = {}
        for row in rows or []:
            by_employee.setdefault(str(row.get("employeeId")), []).append(row)
        return by_employee

    async def _employee_fields(self, employee_id: str, fields: Sequence[str]) -> dict[str, Any]:
        params = {"fields": ",".join(fields), "onlyCurrent": "true"}
        return await self.http.get_json(f"/employees/{seg(employee_id)}", params=params)

    async def _gather(self, ids: Iterable[str], fetch: Callable[[str], Any]) -> list[Any]:
        """`fetch(id)` for every id, a few in flight; an id that vanished meanwhile (404) yields None."""
        semaphore = asyncio.Semaphore(DETAIL_CONCURRENCY)

        async def one(item_id: str) -> Any:
            async with semaphore:
                try:
                    return await fetch(item_id)
                except NotFound:
                    return None

        return list(await asyncio.gather(*(one(i) for i in ids)))

    # ------------------------------------------------------------------ employees

    async def iter_employees(self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None):
        if updated_since is None:
            raws, rows, tombstones = await self._all_employees()
        else:
            raws, rows, tombstones = await self._changed_employees(updated_since)
        department_ids = org_units.department_ids(await self._meta_lists())
        items = [("r", raw) for raw in raws.values()] + ([("t", t) for t in tombstones] if include_deleted else [])
        items.sort(key=lambda item: id_order(item[1].get("id")))

        def convert(item: tuple[str, dict[str, Any]]) -> Any:
            kind, raw = item
            if kind == "t":
                return mappers.to_canonical_tombstone(raw)
            rows_of = rows.get(str(raw.get("id")), ())
            return mappers.to_canonical_employee(raw, department_ids=department_ids, employment_rows=rows_of)

        for page in pages("employees", items, convert, cursor=cursor, size=page_size):
            yield page

    async def _all_employees(self) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """(employee fields by id, employmentStatus rows by id, no tombstones): the report and one table read."""
        report = await self._report(mappers.EMPLOYEE_FIELDS)
        return {str(raw.get("id")): raw for raw in report}, await self._employment_rows(), []

    async def _changed_employees(
        self, since: dt.datetime
    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """The change feed, then one fetch per inserted or updated employee (never a full re-read)."""
        stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        feed = await self.http.get_json("/employees/changed", params={"since": stamp})
        changes: Mapping[str, Mapping[str, Any]] = feed.get("employees") or {}
        deleted = [dict(ch, id=key) for key, ch in changes.items() if str(ch.get("action")).lower() == "deleted"]
        live_ids = [key for key, ch in changes.items() if str(ch.get("action")).lower() != "deleted"]
        found: dict[str, Any] = {}
        rows: dict[str, list[dict[str, Any]]] = {}
        if live_ids:
            table = await self.http.get_json("/employees/changed/tables/employmentStatus", params={"since": stamp})
            rows = {key: list(e.get("rows") or []) for key, e in (table.get("employees") or {}).items()}
            fetched = await self._gather(live_ids, lambda i: self._employee_fields(i, mappers.EMPLOYEE_FIELDS))
            found = {str(raw.get("id")): raw for raw in fetched if raw is not None}
        return found, rows, deleted

    async def get_employee(self, employee_id: str) -> c.EmployeeDetail:
        raw = await self._employee_fields(employee_id, mappers.EMPLOYEE_FIELDS)
        department_ids = org_units.department_ids(await self._meta_lists())
        rows: list[dict[str, Any]] = []
        if mappers.employment_status(raw) == c.EmploymentStatus.TERMINATED:
            rows = await self.http.get_json(f"/employees/{seg(employee_id)}/tables/employmentStatus")
        return mappers.to_canonical_employee(raw, department_ids=department_ids, employment_rows=rows)

    async def get_reporting_chain(self, employee_id: str) -> c.ReportingChain:
        """Walk `supervisorEId` upwards asking only for the four fields a chain needs (one request a level)."""
        fields = ("firstName", "lastName", "jobTitle", "supervisorEId")
        employee = await self._employee_fields(employee_id, fields)
        links: list[c.ReportingChainLink] = []
        seen = {str(employee.get("id"))}
        manager_id = employee.get("supervisorEId")
        while manager_id:
            if str(manager_id) in seen:
                raise InvalidRecord("employees", {"supervisorEId": manager_id}, "reporting chain has a cycle")
            seen.add(str(manager_id))
            manager = await self._employee_fields(str(manager_id), fields)
            links.append(
                c.ReportingChainLink(
                    level=len(links) + 1,
                    employee_id=str(manager["id"]),
                    name=_name(manager),
                    title=manager.get("jobTitle"),
                )
            )
            manager_id = manager.get("supervisorEId")
        return c.ReportingChain(employee_id=str(employee["id"]), employee_name=_name(employee), reporting_chain=links)

    # ------------------------------------------------------------------ departments

    async def iter_departments(self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None):
        fields = ("firstName", "lastName", "department", "division", "status",
                  "employmentHistoryStatus", "terminationDate", "supervisorEId")  # fmt: skip
        lists, employees = await self._meta_lists(), await self._report(fields)
        records, invalid = org_units.to_canonical_departments(lists, employees)
        page: RecordPage[c.Department] = RecordPage("departments", records=records, invalid=invalid)
        page.fetched = len(records) + len(invalid)
        yield page

    # ------------------------------------------------------------------ leave

    def _today(self) -> dt.date:
        return dt.datetime.now(BUSINESS_TZ).date()

    async def get_leave_balance(self, employee_id: str, year: int | None = None) -> c.LeaveBalance:
        today = self._today()
        year = year or today.year
        end = today if year == today.year else dt.date(year, 12, 31)
        rows = await self.http.get_json(
            f"/employees/{seg(employee_id)}/time_off/calculator", params={"end": end.isoformat(), "precision": 2}
        )
        as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return mappers.to_canonical_leave_balance(rows or [], employee_id=employee_id, year=year, as_of=as_of)

    async def iter_leave_requests(
        self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None, employee_id=None, status=None
    ):
        """Every request in the look-back window (`LEAVE_LOOKBACK_DAYS` back, `LEAVE_LOOKAHEAD_DAYS` ahead),
        one yearly window a request. `updated_since` filters on the status-change date after reading: the
        time-off API has no change feed."""
        params: dict[str, Any] = {}
        if employee_id:
            params["employeeId"] = employee_id
        if status:
            params["status"] = STATUS_QUERY.get(status, status)
        today = self._today()
        start, last = today - dt.timedelta(days=LEAVE_LOOKBACK_DAYS), today + dt.timedelta(days=LEAVE_LOOKAHEAD_DAYS)
        found: dict[str, dict[str, Any]] = {}
        while start <= last:
            end = min(start + dt.timedelta(days=365), last)
            window = {"start": start.isoformat(), "end": end.isoformat(), **params}
            for raw in await self.http.get_json("/time_off/requests", params=window) or []:
                found[str(raw.get("id"))] = raw
            start = end + dt.timedelta(days=1)
        raws = sorted(found.values(), key=lambda raw: id_order(raw.get("id")))
        if updated_since is not None:
            since = updated_since.astimezone(dt.UTC).date().isoformat()
            raws = [r for r in raws if str((r.get("status") or {}).get("lastChanged") or "9999") >= since]
        for page in pages("leave_requests", raws, mappers.to_canonical_leave_request, cursor=cursor, size=page_size):
            yield page

    async def _time_off_type_id(self, leave_type: str) -> str:
        body = await self.http.get_json("/meta/time_off/types")
        for kind in body.get("timeOffTypes") or []:
            if v.leave_type(kind.get("name")) == leave_type:
                return str(kind["id"])
        raise ValidationRejected(f"BambooHR has no time-off type for {leave_type!r} leave")

    async def create_leave_request(self, data, *, idempotency_key=None) -> c.LeaveRequestCreated:
        """`PUT /employees/{id}/time_off/request`. BambooHR knows no idempotency key, so the request is sent
        once (no transport retry); a repeated submission is refused by BambooHR as an overlap (409)."""
        body: dict[str, Any] = {
            "status": "requested",
            "start": data.start_date.isoformat(),
            "end": data.end_date.isoformat(),
            "timeOffTypeId": await self._time_off_type_id(data.leave_type),
        }
        if data.reason:
            body["notes"] = [{"from": "employee", "note": data.reason}]
        response = await self.http.request("PUT", f"/employees/{seg(data.employee_id)}/time_off/request", json=body)
        return mappers.to_canonical_leave_request_created(response.json())

    # ------------------------------------------------------------------ interviews: none in BambooHR

    def iter_interviews(
        self, *, updated_since=None, include_deleted=False, cursor=None, page_size=None, candidate_id=None
    ):
        raise UnsupportedOperation(NO_INTERVIEWS)

    async def schedule_interview(self, data, *, idempotency_key=None) -> c.InterviewScheduled:
        raise UnsupportedOperation(NO_INTERVIEWS)

    async def update_interview(self, interview_id, data, *, idempotency_key=None) -> c.Interview:
        raise UnsupportedOperation(NO_INTERVIEWS)


def _name(raw: Mapping[str, Any]) -> str:
    return " ".join(filter(None, (raw.get("firstName"), raw.get("lastName")))) or str(raw.get("id"))
