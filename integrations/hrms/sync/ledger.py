"""The database side of a sync run: lease and fencing, checkpoints, watermark, outcome.

Every function here is synchronous and short; the async engine calls them through `sync_to_async`.

Exclusion is a lease on the `SyncState` row with a fencing number. Taking the lease increments `fence`;
every commit of a page is an `UPDATE … WHERE fence = <mine>` in the same transaction as the page's upserts,
so a worker whose lease expired (paused, partitioned, SIGSTOPped) finds zero rows, rolls its page back and
stops: two runs of one (organization, entity) can never both commit. The lease is renewed by every commit;
a run that dies simply lets it expire, and the next run resumes from the last committed checkpoint.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration

from .models import SyncRun, SyncState, SyncStatus, SyncTrigger


class SyncLocked(Exception):
    """Another live run holds the lease of this (organization, entity); nothing was done."""


class LeaseLost(Exception):
    """This run's lease was taken over by another run (it had expired); the page was not committed."""


def lease_seconds() -> int:
    return int(getattr(settings, "HARVEY_SYNC_LEASE_SECONDS", 600))


def overlap() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "HARVEY_SYNC_OVERLAP_SECONDS", 300)))


@dataclass
class RunContext:
    """What a run carries between its database steps."""

    run_id: int
    state_id: int
    organization_id: int
    entity: str
    hrms_type: str
    fence: int
    since: dt.datetime | None
    cursor: str | None
    full: bool
    resumed: bool
    run_max_updated_at: dt.datetime | None
    pass_started_at: dt.datetime
    started_at: dt.datetime
    notes: list[str] = field(default_factory=list)
    #: The run's counters so far (committed pages); written to its SyncRun now and then and at the end.
    counts: dict[str, int] = field(default_factory=dict)
    counts_written_at: float = 0.0  # time.monotonic() of the last write of `counts` to the SyncRun row


def begin_run(organization_id: int, entity: str, *, trigger: str, full: bool) -> RunContext:
    """Take the lease (or raise SyncLocked) and open a SyncRun; resume an interrupted pass if there is one."""
    integration = HRMSIntegration.objects.filter(organization_id=organization_id, is_active=True).first()
    hrms_type = integration.hrms_type if integration else ""
    now = timezone.now()
    with transaction.atomic():
        state = _locked_state(organization_id, entity)
        if state.lease_held(now):
            raise SyncLocked(f"a {entity} sync of organization {organization_id} is already running")
        state.fence += 1
        state.lease_owner = secrets.token_hex(8)
        state.lease_expires_at = now + dt.timedelta(seconds=lease_seconds())
        notes: list[str] = []
        resumed = (
            state.cursor is not None and state.pass_started_at is not None and not (full and not state.resume_full)
        )
        if resumed:
            since, cursor, full = state.resume_since, state.cursor, state.resume_full
            trigger = SyncTrigger.RESUME if trigger in (SyncTrigger.SCHEDULE, SyncTrigger.MANUAL) else trigger
            notes.append("resumed an interrupted run from its last committed page")
        else:
            since = None if full or state.watermark is None else state.watermark - overlap()
            cursor = None
            state.resume_since, state.resume_full, state.run_max_updated_at = since, full, None
            state.pass_started_at = now
        if state.resume_run_id and resumed:
            SyncRun.objects.filter(pk=state.resume_run_id, status=SyncStatus.RUNNING).update(
                status=SyncStatus.FAILED,
                finished_at=now,
                error_code="interrupted",
                error_message="The worker stopped before the run finished; a later run resumed it.",
            )
        run = SyncRun.objects.create(
            organization_id=organization_id,
            entity=entity,
            trigger=trigger,
            full=full,
            fence=state.fence,
            since=since,
            started_at=now,
            notes=notes,
        )
        state.resume_run = run
        state.last_run = run
        state.save()
    return RunContext(
        run_id=run.pk,
        state_id=state.pk,
        organization_id=organization_id,
        entity=entity,
        hrms_type=hrms_type,
        fence=state.fence,
        since=since,
        cursor=cursor,
        full=full,
        resumed=resumed,
        run_max_updated_at=state.run_max_updated_at,
        pass_started_at=state.pass_started_at or now,
        started_at=now,
        notes=notes,
    )


def _locked_state(organization_id: int, entity: str) -> SyncState:
    """The state row, locked for this transaction (created on first use; a racing creator is fine)."""
    rows = SyncState.objects.select_for_update()
    state = rows.filter(organization_id=organization_id, entity=entity).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            SyncState.objects.create(organization_id=organization_id, entity=entity)
    except IntegrityError:
        pass
    return rows.get(organization_id=organization_id, entity=entity)


COUNTS_EVERY_SECONDS = 1.0  # the run row's counters show progress, not every page


def write_counts(ctx: RunContext, counts: dict, *, now: float) -> None:
    """Copy the live counters to the SyncRun row, at most once every COUNTS_EVERY_SECONDS."""
    if now - ctx.counts_written_at >= COUNTS_EVERY_SECONDS:
        SyncRun.objects.filter(pk=ctx.run_id).update(**counts)
        ctx.counts_written_at = now


def checkpoint(ctx: RunContext, *, cursor: str | None, max_updated_at: dt.datetime | None) -> None:
    """Inside the page's transaction: move the checkpoint, renew the lease, or raise LeaseLost.

    Called *before* the page's upserts so that on PostgreSQL the fenced UPDATE takes the state row's lock
    first: a run stealing the lease waits until this page has committed, and this run's stale commit finds
    zero rows instead of racing.
    """
    if connection.vendor == "postgresql":
        moved = _checkpoint_postgresql(*checkpoint_statement(ctx, cursor=cursor, max_updated_at=max_updated_at))
    else:
        _advance(ctx, max_updated_at)
        moved = SyncState.objects.filter(pk=ctx.state_id, fence=ctx.fence).update(
            cursor=cursor, run_max_updated_at=ctx.run_max_updated_at, lease_expires_at=_lease_until()
        )
    if not moved:
        raise LeaseLost(f"the lease of run {ctx.run_id} was taken over; page not committed")


def checkpoint_statement(
    ctx: RunContext, *, cursor: str | None, max_updated_at: dt.datetime | None
) -> tuple[str, list[Any]]:
    """The fenced checkpoint UPDATE as SQL and JSON-ready parameters, for whoever commits the page: this
    process (`checkpoint`) or the first sync's COPY process (harvey/replica/copy_process.py). It must
    update exactly one row, or the lease was lost."""
    _advance(ctx, max_updated_at)
    table = connection.ops.quote_name(SyncState._meta.db_table)
    newest = ctx.run_max_updated_at.isoformat() if ctx.run_max_updated_at else None
    return (
        f'UPDATE {table} SET "cursor" = %s, "run_max_updated_at" = %s, "lease_expires_at" = %s '
        'WHERE "id" = %s AND "fence" = %s',
        [cursor, newest, _lease_until().isoformat(), ctx.state_id, ctx.fence],
    )


def _advance(ctx: RunContext, max_updated_at: dt.datetime | None) -> None:
    if max_updated_at is not None and (ctx.run_max_updated_at is None or max_updated_at > ctx.run_max_updated_at):
        ctx.run_max_updated_at = max_updated_at


def _lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=lease_seconds())


def _checkpoint_postgresql(sql: str, params: list[Any]) -> int:
    """The fenced UPDATE, in one round trip with the transaction's BEGIN and its `synchronous_commit` (psycopg's
    pipeline mode sends the three at once).

    Round trips are what a page's transaction costs its thread: after each one the thread must win the GIL
    back from the threads fetching and preparing the next pages. `synchronous_commit` is off because the
    page and its checkpoint commit together, so a commit lost in a crash loses both and the run resumes one
    page earlier: nothing is gained by waiting for each page's WAL flush (fsync).
    """
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline(), raw.cursor() as db:
        db.execute("SET LOCAL synchronous_commit TO OFF")
        db.execute(sql, params)
    return db.rowcount


def finish_run(
    ctx: RunContext, *, status: str, coverage: dict | None, swept: bool, counts: dict | None = None
) -> SyncRun:
    """Close a completed pass: move the watermark, clear the checkpoint, release the lease."""
    now = timezone.now()
    with transaction.atomic():
        state = SyncState.objects.select_for_update().get(pk=ctx.state_id)
        if state.fence != ctx.fence:
            raise LeaseLost(f"the lease of run {ctx.run_id} was taken over before it finished")
        # Never past the pass's start: a record changed during the pass on a page already read is asked
        # for again next time (keyset paging would have caught it anyway; other vendors' paging does not).
        if ctx.run_max_updated_at is not None:
            candidate = min(ctx.run_max_updated_at, ctx.pass_started_at)
            if state.watermark is None or candidate > state.watermark:
                state.watermark = candidate
        elif state.watermark is None and ctx.since is None:
            state.watermark = ctx.pass_started_at  # an empty source: nothing older can appear unannounced
        state.cursor = None
        state.resume_since = None
        state.resume_run = None
        state.run_max_updated_at = None
        state.pass_started_at = None
        state.lease_owner = ""
        state.lease_expires_at = None
        state.last_success_at = now
        state.consecutive_failures = 0
        if coverage is not None:
            state.field_coverage = coverage
        if swept:
            state.last_sweep_at = now
        state.save()
        SyncRun.objects.filter(pk=ctx.run_id).update(
            status=status, finished_at=now, watermark_after=state.watermark, notes=ctx.notes, **(counts or {})
        )
    return SyncRun.objects.get(pk=ctx.run_id)


def fail_run(ctx: RunContext, *, code: str, message: str, keep_checkpoint: bool = True) -> SyncRun:
    """Record a failed run and release its lease. The checkpoint stays, so the next run resumes."""
    now = timezone.now()
    with transaction.atomic():
        state = SyncState.objects.select_for_update().get(pk=ctx.state_id)
        if state.fence == ctx.fence:
            state.lease_owner = ""
            state.lease_expires_at = None
            state.consecutive_failures += 1
            if not keep_checkpoint:
                state.cursor = None
                state.pass_started_at = None
            state.save()
        SyncRun.objects.filter(pk=ctx.run_id).update(
            status=SyncStatus.FAILED,
            finished_at=now,
            error_code=code,
            error_message=message[:2000],
            notes=ctx.notes,
            **ctx.counts,
        )
    return SyncRun.objects.get(pk=ctx.run_id)
