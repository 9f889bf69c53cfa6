"""The first full pull: copy every entity of one organization from its HRMS into the replica.

Entities go in dependency order (departments before employees, requisitions before candidates, candidates
before interviews); references are resolved once every entity is written, so a record that names
a manager or job not seen yet keeps the external id and is linked when the target arrives. Each page is one
transaction of bulk upserts (`ReplicaWriter`), fetched while the previous page is written.

The scheduled incremental engine (`integrations.hrms.sync.engine`) builds on `apply_page` and
the catalogue's order; this module stays the simple "copy everything now" path behind `harvey pull`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration, Organization
from harvey.replica.models import Employee
from harvey.replica.registry import replica_model
from harvey.replica.upsert import ReplicaWriter, UpsertCounts
from hrmodel import canonical as c
from hrmodel import catalogue

from ..base import HRMSAdapter, RecordPage
from ..errors import HRMSError, InvalidRecord, UnsupportedOperation
from ..service import NoActiveIntegration, build_adapter
from .pipeline import prefetched

log = logging.getLogger("hrms.sync")

BALANCE_CONCURRENCY = 8
BALANCE_BATCH = 200


@dataclass
class EntityReport:
    entity: str
    fetched: int = 0
    pages: int = 0
    deleted: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    invalid: list[InvalidRecord] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None  # why the entity was not pulled (the adapter cannot provide it)
    replica_count: int | None = None  # live rows in the replica once the pull is done

    @property
    def live_total(self) -> int:
        return self.counts.inserted + self.counts.updated + self.counts.unchanged


@dataclass
class PullReport:
    organization: str
    entities: list[EntityReport] = field(default_factory=list)
    seconds: float = 0.0

    def entity(self, name: str) -> EntityReport:
        return next(report for report in self.entities if report.entity == name)


def apply_page(writer: ReplicaWriter, page: RecordPage, *, synced_at=None) -> tuple[UpsertCounts, int]:
    """Write one page in one transaction: upsert its records, soft-delete its tombstones."""
    with transaction.atomic(using=writer.using):
        counts = writer.upsert_records(page.records, synced_at=synced_at)
        deleted = writer.soft_delete([(t.id, t.updated_at) for t in page.tombstones]) if page.tombstones else 0
    return counts, deleted


async def pull_organization(
    organization: Organization,
    *,
    entities: tuple[str, ...] | None = None,
    adapter: HRMSAdapter | None = None,
    page_size: int | None = None,
    on_progress: Callable[[EntityReport], None] | None = None,
) -> PullReport:
    """Copy `entities` (default: all) of `organization`'s HRMS into the replica."""
    integration = await HRMSIntegration.objects.filter(organization=organization, is_active=True).afirst()
    if integration is None:
        raise NoActiveIntegration(f"Organization {organization.slug!r} has no active HRMS integration")
    own_adapter = adapter is None
    adapter = adapter or build_adapter(integration)
    report = PullReport(organization=organization.slug)
    started = time.perf_counter()
    try:
        for entity in entities or catalogue.NAMES:
            writer = ReplicaWriter(entity, organization.pk, integration.hrms_type)
            entity_report = EntityReport(entity)
            report.entities.append(entity_report)
            t0 = time.perf_counter()
            if not adapter.capabilities.supports(entity):
                entity_report.skipped = f"{adapter.provider.display_name} has no API for {entity}"
            else:
                await _pull_entity(adapter, writer, entity_report, page_size, on_progress)
            entity_report.seconds = time.perf_counter() - t0
            log.info(
                "hrms.pull.entity_done",
                extra={"organization": organization.slug, "entity": entity, "fetched": entity_report.fetched},
            )
    finally:
        if own_adapter:
            await adapter.aclose()
    await sync_to_async(_resolve_all)(organization.pk, integration.hrms_type, entities or catalogue.NAMES)
    counts = await sync_to_async(replica_counts)(organization.pk)
    for entity_report in report.entities:
        entity_report.replica_count = counts[entity_report.entity]
    report.seconds = time.perf_counter() - started
    return report


def replica_counts(organization_id: int) -> dict[str, int]:
    """Live rows per entity; leave balances are counted per employee (one canonical LeaveBalance each)."""
    counts = {}
    for entity in catalogue.NAMES:
        rows = replica_model(entity).objects.filter(organization_id=organization_id)
        if entity == "leave_balances":
            rows = rows.values("employee_id").distinct()
        counts[entity] = rows.count()
    return counts


async def _pull_entity(
    adapter: HRMSAdapter,
    writer: ReplicaWriter,
    report: EntityReport,
    page_size: int | None,
    on_progress: Callable[[EntityReport], None] | None,
) -> None:
    synced_at = timezone.now()
    pages = _pages(adapter, writer, page_size)
    write = sync_to_async(apply_page)
    try:
        async for page in prefetched(pages):
            counts, deleted = await write(writer, page, synced_at=synced_at)
            report.counts += counts
            report.deleted += deleted
            report.fetched += page.fetched
            report.pages += 1
            report.invalid.extend(page.invalid)
            for invalid in page.invalid:
                log.warning(
                    "hrms.pull.invalid_record",
                    extra={"entity": invalid.entity, "external_id": invalid.external_id, "reason": invalid.reason},
                )
            if on_progress:
                on_progress(report)
    except UnsupportedOperation as e:
        report.skipped = e.message


def _pages(adapter: HRMSAdapter, writer: ReplicaWriter, page_size: int | None) -> AsyncIterator[RecordPage]:
    if writer.entity != "leave_balances":
        return adapter.iter_entity(writer.entity, page_size=page_size)
    if adapter.capabilities.bulk_leave_balances:
        return adapter.iter_leave_balances(page_size=page_size)
    return balances_per_employee(adapter, writer.organization_id)


async def balances_per_employee(adapter: HRMSAdapter, organization_id: int) -> AsyncIterator[RecordPage]:
    """Balances one employee at a time (vendors without a bulk balance API), a few calls in flight."""
    ids = await sync_to_async(list)(
        Employee.objects.filter(organization_id=organization_id)
        .exclude(employment_status=c.EmploymentStatus.TERMINATED)
        .values_list("external_id", flat=True)
    )
    semaphore = asyncio.Semaphore(BALANCE_CONCURRENCY)

    async def one(employee_id: str) -> c.LeaveBalance | InvalidRecord:
        async with semaphore:
            try:
                return await adapter.get_leave_balance(employee_id)
            except InvalidRecord as e:
                return e

    for start in range(0, len(ids), BALANCE_BATCH):
        results = await asyncio.gather(*(one(xid) for xid in ids[start : start + BALANCE_BATCH]))
        page = RecordPage("leave_balances", fetched=len(results))
        for result in results:
            (page.invalid if isinstance(result, HRMSError) else page.records).append(result)
        yield page


def _resolve_all(organization_id: int, hrms_type: str, entities: tuple[str, ...]) -> None:
    for entity in entities:
        with transaction.atomic():
            ReplicaWriter(entity, organization_id, hrms_type).resolve_references()
