"""The database side of a sync run: lease and fencing, checkpoints, watermark, outcome.

Every function here is synchronous and short; the async engine calls them through `sync_to_async`.

Exclusion is a lease on the `SyncState` row with a fencing number. Taking the lease increments `fence`;
every commit of a page is an `UPDATE … WHERE fence = <mine>` in the same transaction as the page's upserts,
so a worker whose lease expired (paused, partitioned, SIGSTOPped) finds zero rows, rolls its page back and
stops: two runs of one (organization, entity) can never both commit.

The lease is short (`HARVEY_SYNC_LEASE_SECONDS`, 30 s) and renewed by the run's heartbeat
(`LeaseKeeper`, every `HARVEY_SYNC_HEARTBEAT_SECONDS`, 10 s) as well as by every commit, so a live run
keeps it however long a page takes, and a run that died (kill -9, a lost machine, a database that went
away) lets it go within the lease: the next run resumes from the last committed checkpoint. Who holds the
lease (run, host, pid, heartbeat) is stored with it, so a second sync can say who is in its way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from harvey.environment import DEFAULT_HEARTBEAT_SECONDS, DEFAULT_LEASE_SECONDS
from harvey.organizations.models import HRMSIntegration

from . import statements
from .models import DeadLetter, QuarantinedRecord, SyncRun, SyncState, SyncStatus, SyncTrigger

log = logging.getLogger("hrms.sync")

HOST = socket.gethostname()


@dataclass(frozen=True)
class LeaseHolder:
    """The run that holds a pair's lease, as the lease row describes it."""

    organization_id: int
    entity: str
    run_id: int | None
    host: str
    pid: int | None
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    expires_at: dt.datetime | None
    pages: int

    def describe(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        beat = self.heartbeat_at or self.started_at
        parts = [
            f"run {self.run_id}" if self.run_id else "a run",
            f"on {self.host or 'an unknown host'}" + (f" (pid {self.pid})" if self.pid else ""),
            f"started {self.started_at:%Y-%m-%d %H:%M:%S} UTC" if self.started_at else "",
            f"last heartbeat {(now - beat).total_seconds():.0f} s ago" if beat else "",
            f"{self.pages} page(s) committed",
            f"lease free in {max((self.expires_at - now).total_seconds(), 0):.0f} s if it stops"
            if self.expires_at
            else "",
        ]
        return ", ".join(part for part in parts if part)


class SyncLocked(Exception):
    """Another live run holds the lease of this (organization, entity); nothing was done."""

    def __init__(self, holder: LeaseHolder) -> None:
        super().__init__(
            f"{holder.entity} of organization {holder.organization_id} is being synced by {holder.describe()}"
        )
        self.holder = holder


class LeaseLost(Exception):
    """This run's lease was taken over by another run (it had expired); the page was not committed."""


@contextlib.contextmanager
def ledger_transaction() -> Iterator[None]:
    """A transaction of the run's bookkeeping (lease, run row, watermark) that does not wait for its WAL to
    reach the disk (`synchronous_commit` off, PostgreSQL only).

    Losing such a commit takes a crash of the database server itself, and then costs nothing but work: an
    untaken lease is taken again, an unrecorded finish leaves the run `running` with a lapsing lease, which
    the next run resumes (the pages it wrote commit with their checkpoint, see `checkpoint`). Waiting for
    the disk, on the other hand, was most of a no-change run's time: two flushes per run.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # sent with the transaction's first statement (see pipelined)
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def lease_seconds() -> int:
    return int(getattr(settings, "HARVEY_SYNC_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "HARVEY_SYNC_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


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
    #: time.monotonic() of the last write of `counts` to the SyncRun row (a run shorter than a second: none).
    counts_written_at: float = field(default_factory=time.monotonic)
    has_open_quarantine: bool = False
    #: Whether the run reads only what changed (server-side `updated_since`), not the whole entity.
    changes_only: bool = False
    writer: Any = None  # the run's ReplicaWriter, made on the caller's thread
    route: Any = None  # where its pages are committed (sync/copying.py), made there too
    run: SyncRun | None = None  # the run's row as begin_run created it
    watermark: dt.datetime | None = None  # the pair's watermark when the run began (only finish_run moves it)
    failures_before: int = 0  # the pair's consecutive failures when the run began
    last_sweep_at: dt.datetime | None = None


class AlreadyDone(Exception):
    """A run of the pair started at or after the caller's `not_before`: this delivery has nothing to do."""


def begin_run(
    organization_id: int,
    entity: str,
    *,
    trigger: str,
    full: bool,
    hrms_type: str | None = None,
    cycle: str = "",
    not_before: dt.datetime | None = None,
) -> RunContext:
    """Take the lease (or raise SyncLocked naming its holder) and open a SyncRun; resume an interrupted pass
    if there is one. AlreadyDone when a run of the pair started at or after `not_before`. `hrms_type` saves a
    query when the caller has the integration at hand.

    One locking read (the state, its last run and whether quarantined records wait), the run's row and the
    state's update: a run that finds nothing to do still pays these, so they are kept to one round trip each.
    """
    if hrms_type is None:
        integration = HRMSIntegration.objects.filter(organization_id=organization_id, is_active=True).first()
        hrms_type = integration.hrms_type if integration else ""
    now = timezone.now()
    with ledger_transaction():
        state = _locked_state(organization_id, entity)
        if not_before is not None and state.last_started_at is not None and state.last_started_at >= not_before:
            raise AlreadyDone(entity)
        if state.lease_held(now):
            raise SyncLocked(lease_holder(state))
        state.fence += 1
        state.lease_owner = secrets.token_hex(8)
        state.lease_expires_at = now + dt.timedelta(seconds=lease_seconds())
        state.lease_host, state.lease_pid, state.heartbeat_at = HOST, os.getpid(), now
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
        if state.resume_run_id:  # the last run of the pair never finished: its worker died
            SyncRun.objects.filter(pk=state.resume_run_id, status=SyncStatus.RUNNING).update(
                status=SyncStatus.FAILED,
                finished_at=now,
                error_code="interrupted",
                error_message="The worker stopped before the run finished; a later run "
                + ("resumed it from its last committed page." if resumed else "started the pass again."),
            )
        run = SyncRun(
            organization_id=organization_id,
            entity=entity,
            trigger=trigger,
            full=full,
            fence=state.fence,
            since=since,
            started_at=now,
            notes=notes,
            cycle=cycle,
        )
        statements.insert(run)
        state.resume_run = run
        state.last_run = run
        state.last_started_at = now
        statements.update(SyncState, state.pk, {name: getattr(state, name) for name in BEGUN_FIELDS})
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
        run=run,
        watermark=state.watermark,
        failures_before=state.consecutive_failures,
        has_open_quarantine=state.open_quarantine,
        last_sweep_at=state.last_sweep_at,
    )


#: What begin_run changes on the state row (the rest stays as the last run left it).
BEGUN_FIELDS = (
    "fence", "lease_owner", "lease_expires_at", "lease_host", "lease_pid", "heartbeat_at", "resume_since",
    "resume_full", "run_max_updated_at", "pass_started_at", "resume_run_id", "last_run_id", "last_started_at",
)  # fmt: skip


def lease_holder(state: SyncState) -> LeaseHolder:
    """Who holds `state`'s lease: the run it names, with that run's start and committed pages."""
    run_id = state.resume_run_id or state.last_run_id
    run = SyncRun.objects.filter(pk=run_id).values("started_at", "pages").first() if run_id else None
    return LeaseHolder(
        organization_id=state.organization_id,
        entity=state.entity,
        run_id=run_id,
        host=state.lease_host,
        pid=state.lease_pid,
        started_at=run["started_at"] if run else None,
        heartbeat_at=state.heartbeat_at,
        expires_at=state.lease_expires_at,
        pages=run["pages"] if run else 0,
    )


def _locked_state(organization_id: int, entity: str) -> SyncState:
    """The state row, locked for this transaction (created on first use; a racing creator is fine), with
    `open_quarantine`: whether quarantined records of the pair wait for a retry.

    One statement written once per process (`_lock_statement`): every run, even one that finds nothing to
    do, begins with it, and building the equivalent ORM query (a locking read with an EXISTS) cost ~2 ms of
    CPU per run — a fifth of a no-change run.
    """
    params = [organization_id, entity]
    state = next(iter(SyncState.objects.raw(_lock_statement(connection.vendor), params)), None)
    if state is None:
        try:
            with transaction.atomic():
                SyncState.objects.create(organization_id=organization_id, entity=entity)
        except IntegrityError:
            pass
        state = next(iter(SyncState.objects.raw(_lock_statement(connection.vendor), params)))
    state.open_quarantine = bool(state.open_quarantine)
    return state


@functools.cache
def _lock_statement(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"s.{quote(field.column)}" for field in SyncState._meta.concrete_fields)
    quarantine = quote(QuarantinedRecord._meta.db_table)
    waiting = (
        f"EXISTS (SELECT 1 FROM {quarantine} q WHERE q.organization_id = s.organization_id "
        "AND q.entity = s.entity AND q.resolved_at IS NULL)"
    )
    lock = " FOR UPDATE OF s" if vendor == "postgresql" else ""  # SQLite: the transaction itself is exclusive
    return (
        f"SELECT {columns}, {waiting} AS open_quarantine FROM {quote(SyncState._meta.db_table)} s "
        f"WHERE s.organization_id = %s AND s.entity = %s{lock}"
    )


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
        note_committed(ctx, max_updated_at)
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
    note_committed(ctx, max_updated_at)
    table = connection.ops.quote_name(SyncState._meta.db_table)
    newest = ctx.run_max_updated_at.isoformat() if ctx.run_max_updated_at else None
    return (
        f'UPDATE {table} SET "cursor" = %s, "run_max_updated_at" = %s, "lease_expires_at" = %s '
        'WHERE "id" = %s AND "fence" = %s',
        [cursor, newest, _lease_until().isoformat(), ctx.state_id, ctx.fence],
    )


def note_committed(ctx: RunContext, max_updated_at: dt.datetime | None) -> None:
    """The newest change a page brought, for the watermark the run will set (also for a page that needed no
    write, and so no checkpoint)."""
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
    """Close a completed pass: move the watermark, clear the checkpoint, release the lease — one UPDATE
    conditional on the fence (LeaseLost when it moved), then the run's row."""
    now = timezone.now()
    # Never past the pass's start: a record changed during the pass on a page already read is asked for
    # again next time (keyset paging would have caught it anyway; other vendors' paging does not).
    watermark = ctx.watermark
    if ctx.run_max_updated_at is not None:
        candidate = min(ctx.run_max_updated_at, ctx.pass_started_at)
        if watermark is None or candidate > watermark:
            watermark = candidate
    elif watermark is None and ctx.since is None:
        watermark = ctx.pass_started_at  # an empty source: nothing older can appear unannounced
    changes: dict[str, Any] = {
        "watermark": watermark, "cursor": None, "resume_since": None, "resume_run_id": None,
        "run_max_updated_at": None, "pass_started_at": None, "lease_owner": "", "lease_expires_at": None,
        "lease_pid": None, "heartbeat_at": now,  # the last sign of life: a chain's next run starts within moments
        "last_success_at": now, "consecutive_failures": 0,
    }  # fmt: skip
    if coverage is not None:
        changes["field_coverage"] = coverage
    if swept:
        changes["last_sweep_at"] = now
    outcome = {"status": status, "finished_at": now, "watermark_after": watermark, "notes": ctx.notes, **(counts or {})}
    state = statements.update_statement(SyncState, ctx.state_id, changes, fence=ctx.fence)
    run = statements.update_statement(SyncRun, ctx.run_id, outcome)
    with transaction.atomic():
        if not _in_one_round_trip(state, run):
            raise LeaseLost(f"the lease of run {ctx.run_id} was taken over before it finished")
        if ctx.failures_before:  # recovered: the dead letters of this pair are settled
            DeadLetter.objects.filter(
                organization_id=ctx.organization_id, entity=ctx.entity, resolved_at__isnull=True
            ).update(resolved_at=now)
    return _updated(ctx, outcome)


def _in_one_round_trip(*statements_: tuple[str, list[Any]]) -> int:
    """Inside the caller's transaction: `synchronous_commit` off (see ledger_transaction) and the statements,
    sent together on PostgreSQL (psycopg's pipeline mode: one round trip), one by one elsewhere. Returns the
    rows the FIRST statement changed (the fenced one)."""
    if connection.vendor != "postgresql":
        counts = []
        with connection.cursor() as cursor:
            for sql, params in statements_:
                cursor.execute(sql, params)
                counts.append(cursor.rowcount)
        return counts[0]
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline():
        raw.execute("SET LOCAL synchronous_commit TO OFF")
        cursors = [raw.execute(sql, params) for sql, params in statements_]
    return cursors[0].rowcount


def fail_run(ctx: RunContext, *, code: str, message: str, keep_checkpoint: bool = True) -> SyncRun:
    """Record a failed run and release its lease. The checkpoint stays, so the next run resumes."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "lease_owner": "", "lease_expires_at": None, "lease_pid": None, "heartbeat_at": now,
        "consecutive_failures": F("consecutive_failures") + 1,
    }  # fmt: skip
    if not keep_checkpoint:
        changes.update(cursor=None, pass_started_at=None)
    outcome = {
        "status": SyncStatus.FAILED, "finished_at": now, "error_code": code, "error_message": message[:2000],
        "notes": ctx.notes, **ctx.counts,
    }  # fmt: skip
    with ledger_transaction():
        SyncState.objects.filter(pk=ctx.state_id, fence=ctx.fence).update(**changes)
        SyncRun.objects.filter(pk=ctx.run_id).update(**outcome)
    return _updated(ctx, outcome)


def _updated(ctx: RunContext, values: dict[str, Any]) -> SyncRun:
    """The run's row as the UPDATE just left it, without reading it back (no query)."""
    run = ctx.run if ctx.run is not None else SyncRun.objects.get(pk=ctx.run_id)
    for name, value in values.items():
        setattr(run, name, value)
    return run


def renew_lease(ctx: RunContext) -> bool:
    """The heartbeat: move the lease on and copy the run's counters to its row. False when the lease is no
    longer this run's (then its next commit fails on the fence; the heartbeat only reports it)."""
    now = timezone.now()
    renewed = SyncState.objects.filter(pk=ctx.state_id, fence=ctx.fence).update(
        lease_expires_at=now + dt.timedelta(seconds=lease_seconds()), heartbeat_at=now
    )
    if ctx.counts:
        SyncRun.objects.filter(pk=ctx.run_id).update(**ctx.counts)
    return bool(renewed)


class LeaseKeeper:
    """Renews one run's lease until the run ends (`with LeaseKeeper(ctx):`), from the process's heartbeat
    thread (`_Heartbeats`).

    A thread, not a task of the run's event loop: the run's own thread may sit for a long time in one
    statement (a big page, resolving references over a large table) and its loop may be busy validating, yet
    the lease must be renewed. One thread per process serves every run in it: most runs end within their
    first heartbeat, and then cost a dictionary entry, not a thread. The thread opens its database
    connection only when a run needs renewing, and closes it when no run is left to renew.
    """

    def __init__(self, ctx: RunContext, every: float | None = None) -> None:
        self.ctx = ctx
        self.every = heartbeat_seconds() if every is None else every
        self.beats = 0
        self.lost = False
        self.due = 0.0  # time.monotonic() of the next renewal

    def __enter__(self) -> LeaseKeeper:
        self.due = time.monotonic() + self.every
        _heartbeats().add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _heartbeats().remove(self)

    def beat(self) -> None:
        """Renew now (on the heartbeat thread)."""
        self.due = time.monotonic() + self.every
        try:
            renewed = renew_lease(self.ctx)
        except DatabaseError as e:  # the database went away: the lease will lapse; say so, keep trying
            log.warning("hrms.sync.heartbeat_failed", extra={"run": self.ctx.run_id, "error": str(e)[:200]})
            return
        self.beats += 1
        if not renewed and not self.lost:
            self.lost = True
            log.warning("hrms.sync.lease_taken_over", extra={"run": self.ctx.run_id})


class _Heartbeats:
    """The heartbeat thread of this process: sleeps until the next keeper is due, renews it, repeats."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._keepers: set[LeaseKeeper] = set()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="hrms-sync-heartbeat", daemon=True)
        self._thread.start()

    def add(self, keeper: LeaseKeeper) -> None:
        with self._changed:
            self._keepers.add(keeper)
            self._changed.notify()

    def remove(self, keeper: LeaseKeeper) -> None:
        with self._changed:
            self._keepers.discard(keeper)

    def _run(self) -> None:
        connected = False
        while True:
            with self._changed:
                if not self._keepers and connected:
                    due = []
                else:
                    now = time.monotonic()
                    due = [keeper for keeper in self._keepers if keeper.due <= now]
                    if not due:
                        wake = min((keeper.due for keeper in self._keepers), default=now + 3600)
                        self._changed.wait(timeout=max(wake - now, 0.01))
                        continue
            if not due:  # nobody left to renew: give the connection back
                connections.close_all()  # this thread's own connections only
                connected = False
                continue
            for keeper in due:
                connected = True
                keeper.beat()


_heartbeat_threads: dict[int, _Heartbeats] = {}
_heartbeat_lock = threading.Lock()


def _heartbeats() -> _Heartbeats:
    """This process's heartbeat thread, started on first use (again in a forked child: threads do not fork)."""
    with _heartbeat_lock:
        keepers = _heartbeat_threads.get(os.getpid())
        if keepers is None:
            keepers = _heartbeat_threads[os.getpid()] = _Heartbeats()
        return keepers
