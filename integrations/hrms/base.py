"""The adapter contract: what every HRMS must be able to say in canonical terms.

Two halves, as in Sentry's integrations: an `AdapterProvider` is the class-level description of a vendor
(key, display name, configuration schema, capabilities) and an `HRMSAdapter` instance is bound to one
organization's connection (its base URL and credentials).

Reads of collections are async iterators of `RecordPage`s, not lists: the sync engine commits and
checkpoints page by page, so an organization of any size is streamed in bounded memory, and a killed worker
resumes from the last page's `cursor`. A page carries its valid records, its tombstones and the records that
did not fit the canonical schema (`InvalidRecord`, with payload and reason) so that one bad record is
quarantined while the rest of the page is applied.

A vendor implements the abstract primitives; conveniences (iterate by entity name, collect every record,
walk a reporting chain) are built once here on top of them.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from hrmodel import canonical as c
from hrmodel import catalogue

from .errors import InvalidRecord, UnsupportedOperation
from .http.policy import DEFAULT_POLICY, TransportPolicy

R = TypeVar("R", bound=c.Record)

WRITE_OPERATIONS = frozenset(catalogue.WRITES)


@dataclass(frozen=True)
class Capabilities:
    """What an adapter can do, declared up front so Harvey never discovers a gap by a silent no-op.

    `entities` it can read; `incremental` the entities it can ask for server-side by `updated_since`;
    `deletions` the entities whose deletions it reports (tombstones or a deletion feed) — for the others
    the sync engine falls back to a roster sweep; `writes` the write operations the HRMS accepts (those
    missing are kept in Harvey and said so to the caller).
    """

    entities: frozenset[str]
    incremental: frozenset[str] = frozenset()
    deletions: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    webhooks: bool = False
    email_lookup: bool = False
    bulk_leave_balances: bool = False
    max_page_size: int = 100

    def supports(self, entity: str) -> bool:
        return entity in self.entities

    def can_write(self, operation: str) -> bool:
        return operation in self.writes

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": sorted(self.entities),
            "incremental": sorted(self.incremental),
            "deletions": sorted(self.deletions),
            "writes": sorted(self.writes),
            "webhooks": self.webhooks,
            "email_lookup": self.email_lookup,
            "bulk_leave_balances": self.bulk_leave_balances,
            "max_page_size": self.max_page_size,
        }


@dataclass(frozen=True)
class AdapterProvider:
    """Class-level description of a vendor adapter (no connection, no secrets).

    `config_schema` is a pydantic model of the connection settings; fields typed `SecretStr` are secrets:
    stored encrypted, masked in the admin and never echoed by the management API.

    `transport_policy` is how hard Harvey may push this vendor by default — its documented rate limits
    (`rate_per_second`, `burst`), timeouts — as `dataclasses.replace(DEFAULT_POLICY, ...)`. An integration's
    own `rate_limit` / `rate_burst` override the rate budget (`HRMSIntegration.rate_budget()`).
    """

    key: str
    display_name: str
    config_schema: type[BaseModel]
    capabilities: Capabilities
    docs_url: str = ""
    transport_policy: TransportPolicy = DEFAULT_POLICY


@dataclass(frozen=True)
class AdapterConfig:
    """One organization's connection: where the HRMS is and how to authenticate (decrypted, in memory only)."""

    base_url: str
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Namespaces shared transport state (rate budget, circuit breaker) per integration.
    integration_key: str = "default"
    #: Let the transport connect to loopback and private addresses (the integration's
    #: `allow_private_network`, or HARVEY_ALLOW_PRIVATE_HRMS); metadata addresses stay refused.
    allow_private_network: bool = False


@dataclass
class RecordPage(Generic[R]):
    """One page of an entity as read from the HRMS.

    `cursor` is the opaque position *after* this page: pass it back as `cursor=` to resume there. It is
    None on the last page.
    """

    entity: str
    records: list[R] = field(default_factory=list)
    tombstones: list[c.Tombstone] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    cursor: str | None = None
    #: The number of raw items the HRMS returned on this page (records + tombstones + invalid).
    fetched: int = 0

    def __len__(self) -> int:
        return self.fetched


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


class HRMSAdapter(ABC):
    """One organization's HRMS, spoken to in canonical terms. Use as `async with adapter:`.

    Iterator keyword arguments shared by every entity:
    - `updated_since`: only records changed at or after this instant (server-side where `capabilities`
      lists the entity as incremental; otherwise the adapter must read everything and say so there);
    - `include_deleted`: also yield tombstones for records the HRMS deleted;
    - `cursor`: resume after the page whose `RecordPage.cursor` this is;
    - `page_size`: a hint; None means the adapter's best (up to `capabilities.max_page_size`).
    """

    provider: ClassVar[AdapterProvider]

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config

    @property
    def capabilities(self) -> Capabilities:
        return self.provider.capabilities

    async def __aenter__(self) -> HRMSAdapter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:  # noqa: B027 - a real no-op default: adapters without resources keep it
        """Release pooled connections. Override when the adapter owns a client."""

    # ------------------------------------------------------------------ primitives every vendor provides

    @abstractmethod
    async def test_connection(self) -> ConnectionCheck:
        """Check URL and credentials with the cheapest authenticated call; never raises for a failed check."""

    @abstractmethod
    def iter_employees(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[RecordPage[c.EmployeeDetail]]:
        """Employees in the detail shape where the vendor's list carries it (missing detail fields default)."""

    @abstractmethod
    async def get_employee(self, employee_id: str) -> c.EmployeeDetail:
        """One employee, detail shape. Raises NotFound, or InvalidRecord if the payload does not fit."""

    @abstractmethod
    async def get_leave_balance(self, employee_id: str, year: int | None = None) -> c.LeaveBalance:
        """Balances per leave type for `year` (None = the current year in the business time zone)."""

    @abstractmethod
    def iter_departments(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[RecordPage[c.Department]]:
        """Departments (org units). Vendors without a department entity derive them from employees."""

    @abstractmethod
    def iter_job_requisitions(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
        status: str | None = None,
    ) -> AsyncIterator[RecordPage[c.JobRequisitionDetail]]:
        """Requisitions; `status=None` means every status (a sync wants closed ones too)."""

    @abstractmethod
    async def get_job_requisition(self, requisition_id: str) -> c.JobRequisitionDetail: ...

    @abstractmethod
    def iter_candidates(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
        job_id: str | None = None,
    ) -> AsyncIterator[RecordPage[c.CandidateDetail]]: ...

    @abstractmethod
    async def get_candidate(self, candidate_id: str) -> c.CandidateDetail: ...

    @abstractmethod
    def iter_interviews(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
        candidate_id: str | None = None,
    ) -> AsyncIterator[RecordPage[c.Interview]]:
        """Interviews. Vendors without an interview API raise UnsupportedOperation (see capabilities)."""

    @abstractmethod
    def iter_leave_requests(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
        employee_id: str | None = None,
        status: str | None = None,
    ) -> AsyncIterator[RecordPage[c.LeaveRequest]]: ...

    # ------------------------------------------------------------------ writes (each takes an idempotency key)

    @abstractmethod
    async def create_candidate(
        self, data: c.CandidateCreate, *, idempotency_key: str | None = None
    ) -> c.CandidateCreated: ...

    @abstractmethod
    async def schedule_interview(
        self, data: c.InterviewCreate, *, idempotency_key: str | None = None
    ) -> c.InterviewScheduled: ...

    @abstractmethod
    async def update_interview(
        self, interview_id: str, data: c.InterviewUpdate, *, idempotency_key: str | None = None
    ) -> c.Interview: ...

    @abstractmethod
    async def create_leave_request(
        self, data: c.LeaveRequestCreate, *, idempotency_key: str | None = None
    ) -> c.LeaveRequestCreated: ...

    # ------------------------------------------------------------------ hooks with a generic default

    async def get_reporting_chain(self, employee_id: str) -> c.ReportingChain:
        """Walk `manager_id` upwards one `get_employee` at a time.

        Override when the vendor returns the chain in one call. Stops at the top (no manager) and refuses
        a cycle instead of looping forever.
        """
        employee = await self.get_employee(employee_id)
        links: list[c.ReportingChainLink] = []
        seen = {employee.id}
        manager_id = employee.manager_id
        while manager_id:
            if manager_id in seen:
                raise InvalidRecord("employees", {"manager_id": manager_id}, "reporting chain has a cycle")
            seen.add(manager_id)
            manager = await self.get_employee(manager_id)
            links.append(
                c.ReportingChainLink(
                    level=len(links) + 1, employee_id=manager.id, name=manager.full_name, title=manager.job_title
                )
            )
            manager_id = manager.manager_id
        return c.ReportingChain(employee_id=employee.id, employee_name=employee.full_name, reporting_chain=links)

    async def find_employee_by_email(self, email: str) -> c.EmployeeDetail | None:
        """Look one employee up by work email with a filtered call. None when nobody has that email.

        Override when `capabilities.email_lookup` is true; the default refuses rather than listing everyone.
        """
        raise UnsupportedOperation(f"{self.provider.display_name} has no employee lookup by email")

    def iter_leave_balances(
        self,
        *,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[RecordPage[c.LeaveBalance]]:
        """Every employee's balances in bulk. Override when `capabilities.bulk_leave_balances` is true;
        otherwise callers fetch per employee with `get_leave_balance`."""
        raise UnsupportedOperation(f"{self.provider.display_name} has no bulk leave-balance API")

    # ------------------------------------------------------------------ conveniences built on the primitives

    def iter_entity(self, entity: str, **kwargs: Any) -> AsyncIterator[RecordPage[Any]]:
        """`iter_<entity>` by catalogue entity name, for the sync engine."""
        catalogue.entity(entity)  # a ValueError naming the known entities
        if not self.capabilities.supports(entity):
            raise UnsupportedOperation(f"{self.provider.display_name} does not provide {entity}")
        return getattr(self, f"iter_{entity}")(**kwargs)

    async def collect(self, entity: str, **kwargs: Any) -> list[Any]:
        """Every valid record of an entity in memory. For small sets and tests; syncs stream pages instead."""
        out: list[Any] = []
        async for page in self.iter_entity(entity, **kwargs):
            out.extend(page.records)
        return out
