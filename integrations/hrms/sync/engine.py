"""Pattern B: one incremental, resumable, fenced sync run of one (organization, entity).

    run = sync_entity(organization_id, "employees")            # from a Celery task, a command, a test

A run takes the lease (`ledger.begin_run`), asks the HRMS only for what changed since the watermark (minus
an overlap window), streams pages while the previous page is written (`pipeline.prefetched`), commits each
page together with its checkpoint under the fence (`ledger.checkpoint`), quarantines records that do not
fit, applies tombstones, resolves references, runs the data-quality gate and, where the HRMS reports no
deletions, a roster sweep that refuses to delete a suspicious share at once. Only then does the watermark
move, and never past what was committed.

`sync_entity` is synchronous on purpose: Celery tasks are synchronous, and the async adapter is bridged
with asgiref's `async_to_sync`, which runs the ORM calls of the run on the calling thread (one connection,
visible to the caller's transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import gc
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration
from harvey.replica.counts import UpsertCounts
from harvey.replica.upsert import PreparedBatch, ReplicaWriter
from hrmodel import catalogue

from ..base import HRMSAdapter, RecordPage
from ..errors import ConfigurationError, HRMSError, InvalidRecord, NotFound
from ..service import build_adapter
from . import ledger, progress, quality, quarantine
from .copying import CopyRoute
from .ledger import LeaseHolder, LeaseLost, RunContext, SyncLocked
from .models import SyncRun, SyncState, SyncStatus, SyncTrigger
from .pipeline import BatchPreparer, Prepared, grouped, newest_change, prefetched
from .pull import balances_per_employee
from .quality import CoverageSampler
from .sweep import RosterSweep, sweep_due

log = logging.getLogger("hrms.sync")

__all__ = [
    "EntityOutcome", "LeaseLost", "SyncLocked", "TransientSyncError",
    "sync_entities", "sync_entity", "sync_organization",
]  # fmt: skip

GC_THRESHOLD = 50_000  # see fewer_gc_pauses
GIL_SLICE_SECONDS = 0.002  # see short_gil_slices
GROUP_PAGES = 4  # pages at most in one transaction, when that many are ready (see _commit_pages)
COUNTS_EVERY_SECONDS = ledger.COUNTS_EVERY_SECONDS  # the live counters in the cache, as on the run row
LEASE_POLL_SECONDS = 1.0
#: A run that inserted this many rows and must re-link them first refreshes the table's statistics.
ANALYZE_AFTER_INSERTED = 5_000  # how often a sync waiting for a lease asks again
SINGLE_GETTERS = {"employees": "get_employee", "job_requisitions": "get_job_requisition", "candidates": "get_candidate"}


class TransientSyncError(Exception):
    """The run failed on a transient HRMS error; its checkpoint is kept, so a retry resumes it."""

    def __init__(self, run: SyncRun, cause: HRMSError) -> None:
        super().__init__(f"{run.entity} sync run {run.pk} failed transiently: {cause.message}")
        self.run = run
        self.cause = cause


@dataclass
class EntityOutcome:
    """What became of one entity of a chain: a finished run (`run`, failed or not), or no run because another
    one holds the lease (`locked`) or a run already started since `not_before` (`already_done`), or not
    reached because an earlier entity failed transiently and the chain stopped there (`not_reached`)."""

    entity: str
    run: SyncRun | None = None
    #: The transient error of a failed run: retrying the chain from this entity may succeed.
    transient: HRMSError | None = None
    locked: LeaseHolder | None = None
    already_done: bool = False
    not_reached: bool = False


def sync_entity(
    organization_id: int,
    entity: str,
    *,
    trigger: str = SyncTrigger.MANUAL,
    full: bool = False,
    adapter_factory: Callable[[], HRMSAdapter] | None = None,
    on_progress: Callable[[dict], None] | None = None,
) -> SyncRun:
    """Run one sync of `entity` for the organization; returns the finished SyncRun. See the module doc.

    Raises SyncLocked when another run holds the lease, TransientSyncError after a transient HRMS failure.
    `adapter_factory` builds the adapter inside the run's event loop (tests pass an in-process one);
    by default it is the organization's registered adapter with its decrypted credentials.
    """
    report = (lambda _entity, counts: on_progress(counts)) if on_progress else None
    (outcome,) = sync_entities(
        organization_id, (entity,), trigger=trigger, full=full, adapter_factory=adapter_factory, on_progress=report
    )
    if outcome.locked is not None:
        raise SyncLocked(outcome.locked)
    assert outcome.run is not None
    if outcome.transient is not None:
        raise TransientSyncError(outcome.run, outcome.transient)
    return outcome.run


def sync_entities(
    organization_id: int,
    entities: Sequence[str],
    *,
    trigger: str = SyncTrigger.MANUAL,
    full: bool = False,
    wait: float = 0.0,
    cycle: str = "",
    not_before: dt.datetime | None = None,
    stop_at_transient: bool = False,
    adapter_factory: Callable[[], HRMSAdapter] | None = None,
    integration: HRMSIntegration | None = None,
    on_progress: Callable[[str, dict], None] | None = None,
    on_wait: Callable[[LeaseHolder], None] | None = None,
) -> list[EntityOutcome]:
    """Sync `entities` of one organization in the order given, one run each, with ONE adapter (one connection
    pool, credentials decrypted once) in one event loop: a chain of seven small runs pays its set-up once.

    `wait`: seconds to wait for a lease another run holds (then the run resumes that run's checkpoint if it
    died); `on_wait` hears who holds it. `not_before`: skip an entity a run of which started at or after this
    instant (a chain delivered twice does its work once). `stop_at_transient`: stop at the first transient
    failure (a Celery chain retries from there), otherwise go on with the next entity. `cycle` tags the runs
    (`harvey sync --all`).

    Runs in a copy of the caller's context: whatever the run's threads leave in context variables is dropped
    with it, so a worker's thousandth run switches between sync and async as cheaply as its first.
    """
    for entity in entities:
        if entity not in catalogue.NAMES:
            raise ValueError(f"unknown entity {entity!r}; known: {', '.join(catalogue.NAMES)}")
    chain = _Chain(
        organization_id, tuple(entities), trigger, full, wait, cycle, not_before, stop_at_transient,
        adapter_factory, on_progress, on_wait, integration,
    )  # fmt: skip
    with fewer_gc_pauses(), short_gil_slices():
        return contextvars.copy_context().run(async_to_sync(chain.run))


@contextlib.contextmanager
def fewer_gc_pauses(threshold: int = GC_THRESHOLD) -> Iterator[None]:
    """Run with the cyclic garbage collector's first threshold raised (restored afterwards).

    A run allocates hundreds of thousands of short-lived, acyclic objects (parsed pages, pydantic models,
    row tuples) that reference counting frees at once; with the default threshold (700 allocations) the
    collector still stops to scan them thousands of times per run, which measured as much as the JSON
    parsing itself. Cycles are still collected, just less often.
    """
    previous = gc.get_threshold()
    gc.set_threshold(max(threshold, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextlib.contextmanager
def short_gil_slices(interval: float = GIL_SLICE_SECONDS) -> Iterator[None]:
    """Run with a shorter GIL switch interval (restored afterwards).

    A run has three threads (fetch and validate, prepare, write; see pipeline.py), and the writer's thread
    needs the GIL for a moment after each of its several round trips per page. With the default 5 ms slice
    it waits that long each time behind the two busy threads, and PostgreSQL idles meanwhile: measured,
    the fenced checkpoint alone went from 0.4 s to 1.0 s per 100k-record run.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, previous))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def sync_organization(
    organization_id: int,
    *,
    entities: tuple[str, ...] | None = None,
    trigger: str = SyncTrigger.MANUAL,
    full: bool = False,
    adapter_factory: Callable[[], HRMSAdapter] | None = None,
    on_progress: Callable[[str, dict], None] | None = None,
) -> list[SyncRun]:
    """Every entity (or `entities`) of one organization, in dependency order; a locked entity is skipped."""
    wanted = [entity for entity in catalogue.NAMES if not entities or entity in entities]
    outcomes = sync_entities(
        organization_id, wanted, trigger=trigger, full=full, adapter_factory=adapter_factory, on_progress=on_progress
    )
    for outcome in outcomes:
        if outcome.locked is not None:
            log.info("hrms.sync.skipped_locked", extra={"organization": organization_id, "entity": outcome.entity})
    return [outcome.run for outcome in outcomes if outcome.run is not None]


class _Chain:
    """One `sync_entities` call inside its event loop (see there)."""

    def __init__(
        self, organization_id, entities, trigger, full, wait, cycle, not_before, stop_at_transient,
        adapter_factory, on_progress, on_wait, integration,
    ) -> None:  # fmt: skip
        self.organization_id = organization_id
        self.entities = entities
        self.trigger, self.full, self.wait, self.cycle = trigger, full, wait, cycle
        self.not_before, self.stop_at_transient = not_before, stop_at_transient
        self.adapter_factory, self.on_progress, self.on_wait = adapter_factory, on_progress, on_wait
        self.integration = integration  # the caller's (read once for the whole chain), or read here

    async def run(self) -> list[EntityOutcome]:
        outcomes: list[EntityOutcome] = []
        adapter: HRMSAdapter | None = None
        hrms_type = self.integration.hrms_type if self.integration is not None else None
        try:
            for entity in self.entities:
                if outcomes and outcomes[-1].transient is not None and self.stop_at_transient:
                    outcomes.append(EntityOutcome(entity, not_reached=True))
                    continue
                ctx = await self._begin(entity, hrms_type, outcomes)
                if ctx is None:
                    continue
                hrms_type = ctx.hrms_type
                try:
                    if adapter is None:
                        adapter = self.adapter_factory() if self.adapter_factory else await self._adapter()
                except HRMSError as e:  # a configuration the adapter refuses: every entity fails the same way
                    outcomes.append(await _failed(ctx, e))
                    continue
                outcomes.append(await _sync_one(ctx, adapter, self._reporter(entity)))
        finally:
            if adapter is not None:
                await adapter.aclose()
        return outcomes

    async def _begin(self, entity: str, hrms_type: str | None, outcomes: list[EntityOutcome]) -> RunContext | None:
        """Take the entity's lease, waiting up to `wait` seconds for it; None (and an outcome) when the entity
        is not run: someone else holds the lease, or a run of it started since `not_before`."""
        deadline = time.monotonic() + self.wait
        told = None
        while True:
            try:
                return await sync_to_async(_begin_run)(
                    self.organization_id, entity, self.trigger, self.full, hrms_type, self.cycle, self.not_before
                )
            except ledger.AlreadyDone:
                outcomes.append(EntityOutcome(entity, already_done=True))
                return None
            except SyncLocked as e:
                left = deadline - time.monotonic()
                if left <= 0:
                    outcomes.append(EntityOutcome(entity, locked=e.holder))
                    return None
                if self.on_wait and told != e.holder.run_id:
                    self.on_wait(e.holder)
                    told = e.holder.run_id
                await asyncio.sleep(min(LEASE_POLL_SECONDS, left))

    async def _adapter(self) -> HRMSAdapter:
        if self.integration is not None:
            return await sync_to_async(build_adapter)(self.integration)
        return await sync_to_async(_build_adapter)(self.organization_id)

    def _reporter(self, entity: str) -> Callable[[dict], None] | None:
        if self.on_progress is None:
            return None
        return lambda counts: self.on_progress(entity, counts)


def _begin_run(organization_id, entity, trigger, full, hrms_type, cycle, not_before) -> RunContext:
    """On the caller's thread: the lease and run row, and what the run needs to know before its first page."""
    ctx = ledger.begin_run(
        organization_id, entity, trigger=trigger, full=full, hrms_type=hrms_type, cycle=cycle, not_before=not_before
    )
    ctx.writer = ReplicaWriter(ctx.entity, ctx.organization_id, ctx.hrms_type)
    ctx.route = CopyRoute(ctx, ctx.writer, _commit_pages)  # a first sync's plain pages: the COPY process
    if ctx.watermark is not None:  # a pass completed before: not a first sync (no need to ask the table)
        ctx.writer.assume_stored()
    return ctx


def _build_adapter(organization_id: int) -> HRMSAdapter:
    integration = HRMSIntegration.objects.filter(organization_id=organization_id, is_active=True).first()
    if integration is None:
        raise ConfigurationError("The organization has no active HRMS integration")
    return build_adapter(integration)


async def _failed(ctx: RunContext, error: HRMSError) -> EntityOutcome:
    run = await sync_to_async(ledger.fail_run)(ctx, code=error.code, message=error.message)
    log.warning("hrms.sync.run_failed", extra=_log(ctx, error=error.code, retryable=error.retryable))
    return EntityOutcome(ctx.entity, run=run, transient=error if error.retryable else None)


async def _sync_one(ctx: RunContext, adapter: HRMSAdapter, on_progress) -> EntityOutcome:
    """One run, from its lease to its outcome; the lease is renewed by a heartbeat all along."""
    log.info("hrms.sync.run_started", extra=_log(ctx, resumed=ctx.resumed, since=str(ctx.since)))
    try:
        with ledger.LeaseKeeper(ctx):
            run = await _read_and_write(ctx, adapter, on_progress)
    except LeaseLost as e:
        log.warning("hrms.sync.lease_lost", extra=_log(ctx))
        return EntityOutcome(ctx.entity, run=await sync_to_async(_mark_lost)(ctx, str(e)))
    except HRMSError as e:
        return await _failed(ctx, e)
    except BaseException as e:
        try:
            await sync_to_async(ledger.fail_run)(ctx, code="internal_error", message=f"{type(e).__name__}: {e}")
        except Exception:  # the database itself may be what failed: the heartbeat stops, the lease lapses
            log.exception("hrms.sync.failure_not_recorded", extra=_log(ctx))
        raise
    log.info("hrms.sync.run_finished", extra=_log(ctx, status=run.status, fetched=run.fetched))
    return EntityOutcome(ctx.entity, run=run)


async def _read_and_write(ctx: RunContext, adapter: HRMSAdapter, on_progress) -> SyncRun:
    capabilities = adapter.capabilities
    if not capabilities.supports(ctx.entity):
        ctx.notes.append(f"{adapter.provider.display_name} has no API for {ctx.entity}; Harvey keeps these itself")
        return await sync_to_async(ledger.finish_run)(ctx, status=SyncStatus.SUCCEEDED, coverage=None, swept=False)
    incremental = ctx.entity in capabilities.incremental
    ctx.changes_only = ctx.since is not None and incremental
    if ctx.since is not None and not incremental:
        ctx.notes.append("the HRMS cannot filter by updated_since here: every record was read (no-op rows skipped)")
    sweep = RosterSweep(ctx) if sweep_due(ctx, capabilities) else None
    if sweep is not None and (ctx.since is not None and incremental):
        sweep.needs_own_pass = True
    writer = ctx.writer
    sampler = CoverageSampler()
    has_quarantine = ctx.has_open_quarantine
    counts = ctx.counts
    counts.update(pages=0, fetched=0, inserted=0, updated=0, unchanged=0, deleted=0, quarantined=0)
    published = time.monotonic()
    route = ctx.route
    commit = sync_to_async(route.commit)
    preparer = BatchPreparer(writer)
    try:
        prepared = preparer.prepared(prefetched(_pages(adapter, ctx, incremental)))
        async for group in grouped(prepared, prefetch=GROUP_PAGES, most=GROUP_PAGES):
            for page, _ in group:
                sampler.add(page.records)
                if sweep is not None and not sweep.needs_own_pass:
                    sweep.saw(page)
            await commit(group, counts, has_quarantine)
            if time.monotonic() - published >= COUNTS_EVERY_SECONDS:
                await sync_to_async(_publish_progress)(ctx, counts)
                published = time.monotonic()
            if on_progress:
                on_progress(dict(counts))
        await sync_to_async(route.finish)(counts, has_quarantine)
    finally:
        route.abort()  # after an error: what the process has not committed is rolled back
        await preparer.aclose()
    if has_quarantine:
        await _retry_quarantined(ctx, adapter, writer, counts)
    if sweep is not None:
        await sweep.finish(adapter, writer, counts)
    return await sync_to_async(_settle)(ctx, writer, sampler, counts, swept=sweep is not None and sweep.completed)


def _pages(adapter: HRMSAdapter, ctx: RunContext, incremental: bool) -> AsyncIterator[RecordPage]:
    since = ctx.since if incremental else None
    deletions = ctx.entity in adapter.capabilities.deletions
    if ctx.entity == "leave_balances":
        if adapter.capabilities.bulk_leave_balances:
            return adapter.iter_leave_balances(updated_since=since, include_deleted=deletions, cursor=ctx.cursor)
        return balances_per_employee(adapter, ctx.organization_id)
    return adapter.iter_entity(ctx.entity, updated_since=since, include_deleted=deletions, cursor=ctx.cursor)


def _commit_pages(
    ctx: RunContext,
    writer: ReplicaWriter,
    pages: list[Prepared],
    counts: dict,
    has_quarantine: bool,
) -> None:
    """Consecutive pages, one transaction: checkpoint (after the last page) under the fence, then each page's
    upserts, tombstones and quarantine, in page order. A page's records come prepared for writing
    (pipeline.BatchPreparer) where they could be; the first-sync COPY data of pages in a row is written as one
    COPY. The engine passes every page that was ready (`pipeline.grouped`), so a transaction's fixed cost
    is shared exactly when writing is the slower side."""
    # The first page is prepared here (see BatchPreparer); a group that then turns out to change nothing —
    # every record's digest is the stored one — needs no transaction at all: most runs of a quiet day are
    # one such page, and its checkpoint would only be cleared again by the finish a moment later.
    pages = [(page, batch if batch is not None else writer.prepare_records(page.records)) for page, batch in pages]
    if not has_quarantine and all(_writes_nothing(page, batch) for page, batch in pages):
        for page, batch in pages:
            counts["pages"] += 1
            counts["fetched"] += page.fetched
            counts["unchanged"] += batch.skipped if batch is not None else 0
        ledger.note_committed(ctx, newest_change(pages))
        return
    key = "employee_id" if ctx.entity == "leave_balances" else "external_id"
    with transaction.atomic():
        ledger.checkpoint(ctx, cursor=pages[-1][0].cursor, max_updated_at=newest_change(pages))
        copies: list[PreparedBatch] = []  # first-sync pages in a row, written together
        for page, batch in pages:
            counts["pages"] += 1
            counts["fetched"] += page.fetched
            if batch is not None and batch.fresh and not page.tombstones:
                copies.append(batch)
            else:
                _tally(counts, writer.write_prepared(*copies))
                copies = []
                # = upsert(canonical_to_rows(...)), without the dicts
                _tally(counts, writer.write_prepared(batch) if batch else writer.upsert_records(page.records))
                counts["deleted"] += writer.soft_delete([(t.id, t.updated_at) for t in page.tombstones], key=key)
            counts["quarantined"] += quarantine.quarantine(ctx.organization_id, ctx.entity, ctx.run_id, page.invalid)
            if has_quarantine:
                quarantine.resolve(ctx.organization_id, ctx.entity, (_record_id(r) for r in page.records))
        _tally(counts, writer.write_prepared(*copies))
        ledger.write_counts(ctx, counts, now=time.monotonic())


def _writes_nothing(page: RecordPage, batch: PreparedBatch | None) -> bool:
    """Whether a page, prepared, has nothing to write: no record that differs from its stored row, no
    tombstone, no bad record. (A page that could not be prepared ahead — SQLite, leave balances — writes.)"""
    if page.tombstones or page.invalid:
        return False
    return not page.records or (batch is not None and not batch.fresh and batch.rows == 0)


def _tally(counts: dict, upserted: UpsertCounts) -> None:
    counts["inserted"] += upserted.inserted
    counts["updated"] += upserted.updated
    counts["unchanged"] += upserted.unchanged


def _record_id(record: Any) -> str:
    return getattr(record, "id", None) or getattr(record, "employee_id", "")


async def _retry_quarantined(ctx: RunContext, adapter: HRMSAdapter, writer: ReplicaWriter, counts: dict) -> None:
    """Fetch open quarantine entries again by id: a record fixed at the source (or gone) is resolved."""
    getter_name = SINGLE_GETTERS.get(ctx.entity)
    if getter_name is None:
        return
    getter = getattr(adapter, getter_name)
    page = RecordPage(ctx.entity)
    gone: list[str] = []
    for external_id in await sync_to_async(quarantine.open_ids)(ctx.organization_id, ctx.entity):
        try:
            page.records.append(await getter(external_id))
        except InvalidRecord as e:
            page.invalid.append(e)
        except NotFound:
            gone.append(external_id)
    page.fetched = len(page.records) + len(page.invalid)
    if page.fetched:
        page.cursor = ctx.cursor
        await sync_to_async(_commit_pages)(ctx, writer, [(page, None)], counts, True)
        counts["quarantined"] -= len(page.invalid)  # seen again, not newly quarantined
    if gone:
        await sync_to_async(quarantine.resolve)(ctx.organization_id, ctx.entity, gone)


def _settle(ctx: RunContext, writer: ReplicaWriter, sampler: CoverageSampler, counts: dict, *, swept: bool):
    """The end of a completed pass: links, the data-quality gate, and the run's outcome."""
    # Links: rows of this pass (since the pass began, so a resumed run also settles what the interrupted one
    # wrote) whose target came later or never, when the writer left any such link; rows of earlier runs
    # still waiting, when records were inserted (a first sync has none: the table was empty); and other
    # entities' rows waiting for a record inserted now.
    earlier_rows_wait = counts["inserted"] and not writer.started_empty
    relink = ctx.resumed or writer.links_pending or earlier_rows_wait
    if relink and counts["inserted"] >= ANALYZE_AFTER_INSERTED and writer.connection.vendor == "postgresql":
        writer.refresh_statistics()  # the statistics predate this organization's rows: see there
    with transaction.atomic():
        if relink:
            writer.resolve_references(touched_since=ctx.pass_started_at)
        if ctx.resumed or counts["inserted"]:
            _resolve_incoming(ctx)
    status = SyncStatus.PARTIAL if counts["quarantined"] else SyncStatus.SUCCEEDED
    schema = catalogue.entity(ctx.entity).detail
    coverage = sampler.coverage(schema.model_fields)
    if coverage is not None:
        stored = SyncState.objects.filter(pk=ctx.state_id).values_list("field_coverage", flat=True).first()
        emptied, coverage = quality.judge(stored or {}, "incremental" if ctx.changes_only else "full", coverage)
        if emptied:
            status = SyncStatus.DEGRADED
            ctx.notes.append(f"fields that were mostly filled are now empty: {', '.join(emptied)}")
            log.error("hrms.sync.degraded", extra=_log(ctx, fields=",".join(emptied)))
    if counts["quarantined"]:
        ctx.notes.append(f"{counts['quarantined']} record(s) quarantined: they do not fit the canonical model")
    return ledger.finish_run(ctx, status=status, coverage=coverage, swept=swept, counts=counts)


def _resolve_incoming(ctx: RunContext) -> None:
    """Records of other entities that name one of this entity's records (a department head synced before
    the head's employee record) are linked now that it may have arrived."""
    naming = {each.name for each, _ in catalogue.referencing(ctx.entity)} - {ctx.entity}
    for entity in catalogue.NAMES:
        if entity in naming:
            ReplicaWriter(entity, ctx.organization_id, ctx.hrms_type).resolve_references(touched_since=ctx.started_at)


def _mark_lost(ctx: RunContext, message: str) -> SyncRun:
    SyncRun.objects.filter(pk=ctx.run_id).update(
        status=SyncStatus.FAILED, finished_at=timezone.now(), error_code="lease_lost", error_message=message
    )
    return SyncRun.objects.get(pk=ctx.run_id)


def _publish_progress(ctx: RunContext, counts: dict) -> None:
    """Live progress of a running run, at most once a second, for `sync-status` and the dashboard (best
    effort: see progress.publish). Only read while the run holds its lease: its outcome is in its row."""
    progress.publish(ctx.organization_id, ctx.entity, run_id=ctx.run_id, status="running", **counts)


def _log(ctx: RunContext, **extra: Any) -> dict[str, Any]:
    return {"organization": ctx.organization_id, "entity": ctx.entity, "run": ctx.run_id, **extra}
