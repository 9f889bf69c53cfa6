"""HRMSIntegrationService: the one object Harvey's code calls for one organization's HR data.

Reads are Pattern A (docs/architecture.md §4.1): answered through the organization's cache (Redis in production, local
memory embedded) for its configured TTL, else from the HRMS through its adapter. Looking a person up by
email is answered from the replica first and otherwise by a filtered HRMS call — never by listing everyone.
Writes go to the HRMS with an idempotency key and invalidate the cached groups they make stale.

The service is async; it owns its adapter's connection pool, so use it as `async with service:`.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.views.decorators.debug import sensitive_variables
from pydantic import BaseModel, TypeAdapter

from harvey.organizations.models import HRMSIntegration, Organization
from hrmodel import canonical as c

from . import local_records, registry
from .base import AdapterConfig, HRMSAdapter
from .cache import INVALIDATES, OrganizationCache
from .errors import ConfigurationError

M = TypeVar("M", bound=BaseModel)


class NoActiveIntegration(ConfigurationError):
    code = "no_active_integration"


def integration_key(integration: HRMSIntegration) -> str:
    """Names the integration's shared transport state (rate budget, breaker) across workers."""
    return f"org{integration.organization_id}:integration{integration.pk}"


@sensitive_variables()  # the decrypted credentials, and every frame the adapter's constructor runs
def build_adapter(integration: HRMSIntegration, **adapter_kwargs: Any) -> HRMSAdapter:
    """The registered adapter for `integration`, with its credentials decrypted (in memory only).

    Every run a user starts comes through here, so it gets the integration's rate budget
    (`HRMSIntegration.rate_budget()`: its own `rate_limit`/`rate_burst`, else the adapter's default) over
    the adapter's transport policy, and the transport's permission to call private addresses. A caller's
    own `policy=` (tests) wins.
    """
    budget = integration.rate_budget()
    default_policy = registry.provider(integration.hrms_type).transport_policy
    adapter_kwargs.setdefault(
        "policy", dataclasses.replace(default_policy, rate_per_second=budget.rate_per_second, burst=budget.burst)
    )
    config = AdapterConfig(
        base_url=integration.base_url,
        credentials=dict(integration.credentials or {}),
        integration_key=integration_key(integration),
        allow_private_network=integration.private_network_allowed(),
    )
    return registry.create_adapter(integration.hrms_type, config, **adapter_kwargs)


class HRMSIntegrationService:
    """One organization's HRMS, read through a cache and written with idempotency keys."""

    def __init__(self, organization: Organization, *, adapter: HRMSAdapter | None = None, **adapter_kwargs: Any):
        self.organization = organization
        self._adapter = adapter
        self._adapter_kwargs = adapter_kwargs
        self._integration: HRMSIntegration | None = None
        self._cache: OrganizationCache | None = None

    async def __aenter__(self) -> HRMSIntegrationService:
        await self._ensure()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._adapter is not None:
            await self._adapter.aclose()

    async def _ensure(self) -> tuple[HRMSAdapter, OrganizationCache]:
        if self._integration is None:
            integration = await HRMSIntegration.objects.filter(organization=self.organization, is_active=True).afirst()
            if integration is None:
                raise NoActiveIntegration(f"Organization {self.organization.slug!r} has no active HRMS integration")
            self._integration = integration
            self._cache = OrganizationCache(self.organization.pk, integration.cache_ttl_seconds)
        if self._adapter is None:
            self._adapter = build_adapter(self._integration, **self._adapter_kwargs)
        assert self._cache is not None
        return self._adapter, self._cache

    async def get_adapter(self) -> HRMSAdapter:
        return (await self._ensure())[0]

    async def _cached(self, group: str, operation: str, args: tuple, schema: Any, fetch: Callable[[], Any]) -> Any:
        """Read through the cache. `schema` rebuilds the cached JSON (a model class, or `list[Model]`)."""
        _, cache = await self._ensure()
        key = await cache.key(group, operation, *args)
        cached = await cache.get(key)
        if cached is not None:
            return _load(schema, cached)
        value = await fetch()
        await cache.set(key, _dump(value))
        return value

    # ------------------------------------------------------------------ reads

    async def get_employee(self, employee_id: str) -> c.EmployeeDetail:
        adapter, _ = await self._ensure()
        return await self._cached(
            "employees", "get", (employee_id,), c.EmployeeDetail, lambda: adapter.get_employee(employee_id)
        )

    async def get_employee_by_email(self, email: str) -> c.EmployeeDetail | None:
        """From the replica when it holds the person; else one filtered HRMS call (cached)."""
        from harvey.replica.models import Employee
        from harvey.replica.registry import row_to_canonical

        email = email.strip().lower()
        row = await Employee.objects.filter(organization=self.organization, email=email).afirst()
        if row is not None:
            return row_to_canonical("employees", row)
        adapter, cache = await self._ensure()
        key = await cache.key("employees", "by_email", email)
        cached = await cache.get(key)
        if cached is not None:
            return None if cached == {} else c.EmployeeDetail.model_validate(cached)
        found = await adapter.find_employee_by_email(email)
        await cache.set(key, found.model_dump(mode="json") if found else {})
        return found

    async def get_reporting_chain(self, employee_id: str) -> c.ReportingChain:
        adapter, _ = await self._ensure()
        return await self._cached(
            "employees", "chain", (employee_id,), c.ReportingChain, lambda: adapter.get_reporting_chain(employee_id)
        )

    async def get_leave_balance(self, employee_id: str, year: int | None = None) -> c.LeaveBalance:
        adapter, _ = await self._ensure()
        return await self._cached(
            "leave_balances",
            "get",
            (employee_id, year),
            c.LeaveBalance,
            lambda: adapter.get_leave_balance(employee_id, year),
        )

    async def list_job_requisitions(self, status: str | None = "open") -> list[c.JobRequisitionDetail]:
        adapter, _ = await self._ensure()
        return await self._cached(
            "job_requisitions",
            "list",
            (status,),
            list[c.JobRequisitionDetail],
            lambda: adapter.collect("job_requisitions", status=status),
        )

    async def get_job_requisition(self, requisition_id: str) -> c.JobRequisitionDetail:
        adapter, _ = await self._ensure()
        return await self._cached(
            "job_requisitions",
            "get",
            (requisition_id,),
            c.JobRequisitionDetail,
            lambda: adapter.get_job_requisition(requisition_id),
        )

    async def list_candidates(self, job_id: str | None = None) -> list[c.CandidateDetail]:
        adapter, _ = await self._ensure()
        return await self._cached(
            "candidates",
            "list",
            (job_id,),
            list[c.CandidateDetail],
            lambda: adapter.collect("candidates", job_id=job_id),
        )

    async def get_candidate(self, candidate_id: str) -> c.CandidateDetail:
        adapter, _ = await self._ensure()
        return await self._cached(
            "candidates", "get", (candidate_id,), c.CandidateDetail, lambda: adapter.get_candidate(candidate_id)
        )

    async def list_interviews(self, candidate_id: str | None = None) -> list[c.Interview]:
        adapter, _ = await self._ensure()
        return await self._cached(
            "interviews",
            "list",
            (candidate_id,),
            list[c.Interview],
            lambda: adapter.collect("interviews", candidate_id=candidate_id),
        )

    async def list_leave_requests(
        self, employee_id: str | None = None, status: str | None = None
    ) -> list[c.LeaveRequest]:
        adapter, _ = await self._ensure()
        return await self._cached(
            "leave_requests",
            "list",
            (employee_id, status),
            list[c.LeaveRequest],
            lambda: adapter.collect("leave_requests", employee_id=employee_id, status=status),
        )

    # ------------------------------------------------------------------ writes

    async def _write(self, operation: str, call: Callable[[str], Any], idempotency_key: str | None) -> Any:
        _, cache = await self._ensure()
        key = idempotency_key or f"harvey-{uuid.uuid4()}"
        try:
            return await call(key)
        finally:
            # Even a failed write may have reached the HRMS (a timeout after commit): never serve stale data.
            await cache.invalidate(*INVALIDATES[operation])

    async def create_candidate(self, data: c.CandidateCreate, *, idempotency_key: str | None = None):
        adapter, _ = await self._ensure()
        return await self._write(
            "create_candidate", lambda k: adapter.create_candidate(data, idempotency_key=k), idempotency_key
        )

    async def schedule_interview(self, data: c.InterviewCreate, *, idempotency_key: str | None = None):
        adapter, _ = await self._ensure()
        if not adapter.capabilities.can_write("schedule_interview"):
            return await self._keep_locally(
                "schedule_interview", local_records.schedule_interview, data, adapter.provider.display_name
            )
        return await self._write(
            "schedule_interview", lambda k: adapter.schedule_interview(data, idempotency_key=k), idempotency_key
        )

    async def update_interview(self, interview_id: str, data: c.InterviewUpdate, *, idempotency_key: str | None = None):
        adapter, _ = await self._ensure()
        if not adapter.capabilities.can_write("update_interview") or interview_id.startswith("HARVEY-"):
            return await self._keep_locally("update_interview", local_records.update_interview, interview_id, data)
        return await self._write(
            "update_interview",
            lambda k: adapter.update_interview(interview_id, data, idempotency_key=k),
            idempotency_key,
        )

    async def _keep_locally(self, operation: str, write: Callable[..., Any], *args: Any) -> Any:
        """A write the HRMS has no API for: Harvey keeps the record itself and the answer says so."""
        _, cache = await self._ensure()
        try:
            return await sync_to_async(write)(self.organization, *args)
        finally:
            await cache.invalidate(*INVALIDATES[operation])

    async def create_leave_request(self, data: c.LeaveRequestCreate, *, idempotency_key: str | None = None):
        adapter, _ = await self._ensure()
        return await self._write(
            "create_leave_request", lambda k: adapter.create_leave_request(data, idempotency_key=k), idempotency_key
        )


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


@functools.cache
def _type_adapter(schema: Any) -> TypeAdapter:
    return TypeAdapter(schema)


def _load(schema: Any, data: Any) -> Any:
    return _type_adapter(schema).validate_python(data)
