"""ReplicaWriter's PostgreSQL paths: COPY, the staged upsert, links written with their rows, set-based re-linking.

A mixin of `ReplicaWriter` (harvey/replica/upsert.py), kept apart because it is one idea of its own: how a
batch reaches PostgreSQL at close to the speed of a bare COPY. It uses the writer's state (`table`, `entity`,
`organization_id`, `using`, `_fresh`, `_run_ids`, `_analyzed`, the column metadata) and nothing else.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from django.db import IntegrityError, transaction
from psycopg import Copy
from psycopg.copy import FileWriter
from psycopg.errors import UniqueViolation

from .counts import UpsertCounts
from .registry import REFERENCES, Reference, replica_model

RUN_IDS_LIMIT = 250_000  # external id -> row id entries a first sync keeps in memory (~30 MB)
ID_BLOCK = 4096  # at most this many row ids reserved from the sequence ahead of need (see _reserve_ids)
FIRST_ID_BLOCK = 256  # the first reservation ahead of need; each next one doubles
DIGEST = "content_digest"  # see _digests
NOT_DIGESTED = frozenset({"organization_id", "hrms_type", "synced_at", "deleted_at"})  # stamped by the writer


def quote(name: str) -> str:
    return f'"{name}"'


_q = quote


class PostgresPaths:
    """The PostgreSQL half of ReplicaWriter."""

    def _write_postgresql(self, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> UpsertCounts:
        """Prepare and write one batch on this thread (see `_prepare_postgresql` and `_write_prepared`)."""
        return self._write_prepared(self._prepare_postgresql(columns, tuples))

    def _prepare_postgresql(self, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> PreparedBatch:
        """Everything about a batch that need not happen inside its transaction: its COPY data, with digests.

        While this organization's rows are all new (a first sync) the batch will be COPYed straight into
        the table, with ids taken from the table's sequence now — also for the records of this table the
        batch names that have not arrived yet (`_reserve_for`) — and every link filled in (other tables'
        targets are looked up), so nothing is re-linked at the end. Otherwise the records whose stored
        digest is unchanged are dropped (`_changed_only`), and the rest is data for the staging table of
        `_upsert_staged`, which finds their links itself.

        The sync engine calls this on a thread of its own with a connection of its own while the previous
        batch is being written (only committed rows are visible there; a link missed for that reason is the
        final resolution's to write). Only this method changes `_run_ids` and the other id bookkeeping, one
        batch at a time (a lock: two batches reserving ids for one record at once would link to an id never
        written), and only it starts the first-sync path; `_write_prepared` may only end it.

        Rejected after measuring: linking the rows that waited for this batch's records page by page
        (`UPDATE … WHERE manager_id = ANY(batch ids) AND manager_ref IS NULL`): 12.7 s vs 9.5 s for a
        100k-employee first sync, against the one set-based UPDATE at the end.
        """
        with self._prepare_lock:  # the run's first page is prepared on its own thread, the rest on another
            return self._prepare_locked(columns, tuples)

    def _prepare_locked(self, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> PreparedBatch:
        if self._fresh is None:
            self._fresh = self.started_empty = (
                not self.model.all_objects.using(self.using).filter(organization_id=self.organization_id).exists()
            )
        key = list(columns).index("external_id")
        refs = self._references(columns)
        with self.connection.cursor() as cursor:
            if self._fresh and len(self._run_ids) > RUN_IDS_LIMIT:
                # Memory stays bounded whatever the organization's size: past this many records the run goes
                # on through the upsert path, and forward links are settled by the final resolution.
                self._leave_first_sync_path()
            fresh = self._fresh
            digests = _digests(columns, tuples)
            written, skipped = tuples, 0
            if not fresh:
                written, digests = self._changed_only(cursor, key, tuples, digests)
                skipped = len(tuples) - len(written)
            if fresh:
                # A first sync knows its own rows without asking: only other tables are looked up.
                known = self._lookup_targets(cursor, [r for r in refs if r.target != self.entity], columns, tuples)
                run_ids = self._reserve_for(cursor, columns, key, refs, tuples)
                own = {ref: run_ids if ref.target == self.entity else known[ref] for ref in refs}
                links = _linker(refs, own, columns)
                rows = [(run_ids[v[key]], *v, *links(v), d) for v, d in zip(tuples, digests, strict=True)]
                copy_columns = ["id", *columns, *self._fk_columns(refs), DIGEST]
                if not self._links_pending:
                    self._links_pending = _any_unlinked(refs, own, columns, tuples)
            else:
                # The upsert links the rows it writes itself (_upsert_staged).
                rows = [(*v, d) for v, d in zip(written, digests, strict=True)]
                copy_columns = [*columns, DIGEST]
            payload = _copy_payload(cursor.connection, rows) if rows else b""
        return PreparedBatch(columns, tuples, copy_columns, payload, len(rows), fresh, skipped)

    def _changed_only(self, cursor, key: int, tuples, digests) -> tuple[list[tuple[Any, ...]], list[int]]:
        """The records whose data differs from their live row's (by digest), or that have none: an unchanged
        record costs one index look-up here instead of a trip through staging, the upsert and a row lock."""
        cursor.execute(
            f"SELECT external_id, {DIGEST} FROM {_q(self.table)} "
            "WHERE organization_id = %s AND external_id = ANY(%s) AND deleted_at IS NULL",
            [self.organization_id, [values[key] for values in tuples]],
        )
        stored = dict(cursor.fetchall())
        kept = [(v, d) for v, d in zip(tuples, digests, strict=True) if stored.get(v[key]) != d]
        return [v for v, _ in kept], [d for _, d in kept]

    def _write_prepared(self, batch: PreparedBatch) -> UpsertCounts:
        """Write a prepared batch in the caller's transaction.

        A first-sync batch is COPYed straight into the table under a savepoint; the first key conflict (a
        record seen twice in one run, or written meanwhile by a webhook) rolls that back, ends the fast path
        for the writer and writes the batch through the staged upsert instead.
        """
        with transaction.atomic(using=self.using, savepoint=False):
            if batch.fresh and not self._fresh:  # the fast path ended after this batch was prepared
                batch = self._prepare_postgresql(batch.columns, batch.tuples)
            with self.connection.cursor() as cursor:
                if batch.fresh:
                    # A savepoint, so that a conflict undoes only this COPY. Not Django's atomic(): its
                    # RELEASE would cost a round trip per page, and the commit releases it anyway.
                    cursor.execute("SAVEPOINT replica_first_sync_copy")
                    try:
                        self._copy(_q(self.table), batch.copy_columns, batch.payload)
                    except IntegrityError as e:
                        if not isinstance(e.__cause__, UniqueViolation):
                            raise
                        cursor.execute("ROLLBACK TO SAVEPOINT replica_first_sync_copy")
                        self._leave_first_sync_path()  # a record came twice in this run (or from elsewhere)
                        batch = self._prepare_postgresql(batch.columns, batch.tuples)
                    else:
                        self._analyze_if_stale(cursor, batch.rows)
                        return UpsertCounts(inserted=batch.rows)
                if not batch.rows:  # every record unchanged
                    return UpsertCounts(unchanged=batch.skipped)
                return self._upsert_staged(cursor, batch)

    def _leave_first_sync_path(self) -> None:
        """Batches are upserted from now on. Records named ahead (with an id reserved for them) that arrive
        later get another id, so the run's final `resolve_references` is needed to rewrite those links."""
        self._fresh = False
        self._links_pending = True

    @property
    def links_pending(self) -> bool:
        """Whether a link written by this writer may be wrong or missing until `resolve_references` runs: a
        target that was not stored when its row was written, or a record named ahead that never came."""
        return self._links_pending or bool(self._awaited)

    def _copy(self, table: str, columns: Sequence[str], payload: bytes) -> None:
        cols = ", ".join(_q(col) for col in columns)
        with (
            self.connection.cursor() as cursor,
            self.connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,  # psycopg 3: COPY is its own API
        ):
            copy.write(payload)

    def refresh_statistics(self) -> None:
        """ANALYZE the table now (PostgreSQL): after a first sync wrote many rows of a new organization.

        The planner's statistics describe the organizations the table held at the last ANALYZE; a new one's
        100,000 rows are estimated as a handful, and the run's final re-linking (an UPDATE … FROM joining the
        table with itself) is then planned as nested loops: minutes instead of a second. Measured on a
        table shared by three organizations of 100,000 employees each.
        """
        with self.connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_q(self.table)}")

    def _analyze_if_stale(self, cursor, written: int) -> None:
        """Once per writer: if the planner still believes the table holds fewer rows than this first sync
        has just written (an empty table, or one emptied and vacuumed), refresh its statistics.

        Otherwise every plan made during the run — the foreign-key checks PostgreSQL runs at each commit
        for the links just written, the look-ups of reference targets — is made for an empty table: a
        sequential scan per checked row, which turned a 100k-employee first sync from seconds into
        minutes. ANALYZE counts this transaction's own rows and invalidates those cached plans.
        """
        if self._analyzed:
            return
        self._analyzed = True
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
        (estimate,) = cursor.fetchone()
        if estimate < written:
            cursor.execute(f"ANALYZE {_q(self.table)}")

    def _references(self, columns: Sequence[str]) -> list[Reference]:
        """The entity's references whose external-id column this batch writes (a batch without the column
        leaves the stored link alone)."""
        return [ref for ref in REFERENCES.get(self.entity, ()) if ref.field in columns]

    def _fk_columns(self, refs: Sequence[Reference]) -> list[str]:
        return [self.model._meta.get_field(ref.link_field).column for ref in refs]

    def _lookup_targets(self, cursor, refs, columns, tuples) -> dict[Reference, dict[str, int]]:
        """external id -> row id of every target in another table that the batch names and that is stored
        (one query per reference, by the targets' unique key: a single scan, whatever the statistics say).

        They are remembered for the writer's life, so a run asks for each once rather than once per page:
        this writer does not write those tables, and a link to a row removed meanwhile is rewritten by the
        run's final `resolve_references`."""
        found: dict[Reference, dict[str, int]] = {}
        for ref in refs:
            at = list(columns).index(ref.field)
            known = self._targets_seen.setdefault(ref.target, {})
            wanted = [xid for xid in {values[at] for values in tuples if values[at] is not None} if xid not in known]
            if wanted:
                target = _q(replica_model(ref.target)._meta.db_table)
                cursor.execute(
                    f"SELECT external_id, id FROM {target} WHERE organization_id = %s AND external_id = ANY(%s)",
                    [self.organization_id, wanted],
                )
                if len(known) > RUN_IDS_LIMIT:
                    known.clear()  # bounded memory, as for the run's own ids
                known.update(cursor.fetchall())
            found[ref] = known
        return found

    def _reserve_for(self, cursor, columns, key: int, refs, tuples) -> dict[str, int]:
        """Row ids for this batch's records and for the records they name in this table that have not
        arrived yet (forward references), taken from the table's sequence.

        A link to a reserved id points at no row until its record is written later in the run; without a
        database constraint that is allowed, and the run's final `resolve_references` clears any link whose
        record never came. So a first sync needs neither look-ups of its own rows nor a re-link pass."""
        run_ids = self._run_ids
        wanted = [values[key] for values in tuples]
        for ref in refs:
            if ref.target == self.entity:
                at = list(columns).index(ref.field)
                wanted.extend(values[at] for values in tuples if values[at] is not None)
        new = [xid for xid in dict.fromkeys(wanted) if xid not in run_ids]
        if new:
            run_ids.update(zip(new, self._reserve_ids(cursor, len(new)), strict=True))
        own = {values[key] for values in tuples}
        self._awaited.difference_update(own)
        self._awaited.update(xid for xid in new if xid not in own)
        return run_ids

    def _reserve_ids(self, cursor, count: int) -> list[int]:
        """`count` ids from the table's sequence. The writer reserves ahead of need in blocks that double with
        each reservation up to ID_BLOCK: a large first sync pays one round trip per several pages, and a
        small one (an organization of 150 employees, one page) no more than it uses — each id reserved costs
        a `nextval`, and 4,096 of them took 17 ms, a quarter of a small organization's whole first sync.
        Ids reserved but never used leave gaps in the sequence, nothing else."""
        spare = self._spare_ids
        if len(spare) < count:
            self._id_block = min(max(self._id_block * 2, FIRST_ID_BLOCK), ID_BLOCK)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.table, max(count - len(spare), self._id_block)],
            )
            spare.extend(pk for (pk,) in cursor.fetchall())
        return [spare.popleft() for _ in range(count)]

    def _upsert_staged(self, cursor, batch: PreparedBatch) -> UpsertCounts:
        """COPY into the connection's staging table, then one INSERT … ON CONFLICT of the rows that are new or
        differ from the stored ones.

        Unchanged rows are left out before the INSERT (a join on the key), so they are neither locked nor
        rewritten: ON CONFLICT DO UPDATE … WHERE would still lock each conflicting row, which made a re-sync
        in which nothing changed write every page of the table. The links of the rows written are found by
        the same statement (a join per reference on the targets' key), so a batch needs no look-ups of its
        own; a link whose target is not stored yet comes back NULL and `links_pending` says so. A batch
        prepared for the first-sync COPY (ids and links already in its data) keeps its links. A link counts
        as data only when the row is written anyway.
        """
        stage = _q(f"_stage_{self.table}")
        table = _q(self.table)
        columns = batch.copy_columns
        given = [col for col in columns if col not in self._fields and col not in ("id", DIGEST)]  # links in the data
        joins, linked, values, waiting = [], [], [], []
        for n, ref in enumerate([] if given else self._references(columns)):
            fk, src = _q(self.model._meta.get_field(ref.link_field).column), _q(ref.field)
            target = _q(replica_model(ref.target)._meta.db_table)
            joins.append(
                f"LEFT JOIN {target} r{n} ON r{n}.organization_id = s.organization_id AND r{n}.external_id = s.{src}"
            )
            linked.append(fk)
            values.append(f"r{n}.id")
            waiting.append(f"({fk} IS NULL AND {src} IS NOT NULL)")
        sets, where = self._update_clause("EXCLUDED", table, "IS DISTINCT FROM")
        links = "".join(f", {col} = EXCLUDED.{col}" for col in [*map(_q, given), *linked, _q(DIGEST)])
        differs = " OR ".join(f"t.{_q(col)} IS DISTINCT FROM s.{_q(col)}" for col in self._data_columns)
        forward = (
            "(t.source_updated_at IS NULL OR s.source_updated_at IS NULL OR s.source_updated_at >= t.source_updated_at)"
        )
        # Once per connection; ON COMMIT DELETE ROWS empties it after every batch (the caller's commit),
        # and a savepoint rolled back may have left a batch behind: cleared first.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS SELECT * FROM {table} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {stage}")
        self._copy(stage, columns, batch.payload)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join([*map(_q, columns), *linked])}) "
            f"SELECT {', '.join([*(f's.{_q(col)}' for col in columns), *values])} FROM {stage} s "
            f"LEFT JOIN {table} t ON t.organization_id = s.organization_id AND t.external_id = s.external_id "
            f"{' '.join(joins)} WHERE t.id IS NULL OR (({differs}) AND {forward}) "
            f"ON CONFLICT (organization_id, external_id) DO UPDATE SET {sets}{links} WHERE {where} "
            f"RETURNING (xmax = 0), {' OR '.join(waiting) or 'false'}"
        )
        flags = cursor.fetchall()
        inserted = sum(1 for is_insert, _ in flags if is_insert)
        if any(waits for _, waits in flags):
            self._links_pending = True
        unchanged = batch.rows - len(flags) + batch.skipped
        return UpsertCounts(inserted=inserted, updated=len(flags) - inserted, unchanged=unchanged)

    def _resolve_references_postgresql(self, touched_since: dt.datetime | None) -> int:
        """Every reference of the table in one UPDATE … FROM with hash joins: each row that changes is
        rewritten once (with all its indexes), not once per reference, and no subquery runs per row."""
        refs = REFERENCES[self.entity]
        table = _q(self.table)
        joins, sets, differs, waiting = [], [], [], []
        for n, ref in enumerate(refs):
            fk_col = _q(self.model._meta.get_field(ref.link_field).column)
            target = _q(replica_model(ref.target)._meta.db_table)
            src = _q(ref.field)
            joins.append(
                f"LEFT JOIN {target} r{n} ON r{n}.organization_id = s.organization_id AND r{n}.external_id = s.{src}"
            )
            sets.append(f"{fk_col} = r{n}.id")
            differs.append(f"t.{fk_col} IS DISTINCT FROM r{n}.id")
            waiting.append(f"(s.{fk_col} IS NULL AND s.{src} IS NOT NULL)")
        params: list[Any] = [self.organization_id]
        scope = ""
        if touched_since is not None:
            scope = f" AND (s.synced_at >= %s OR {' OR '.join(waiting)})"
            params.append(touched_since)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} t SET {', '.join(sets)} FROM {table} s {' '.join(joins)} "
                f"WHERE t.id = s.id AND s.organization_id = %s{scope} AND ({' OR '.join(differs)})",
                params,
            )
            return max(cursor.rowcount, 0)


@dataclass
class PreparedBatch:
    """One batch as `_prepare_postgresql` left it: COPY data for the table (`fresh`) or for staging."""

    columns: Sequence[str]  # the batch's own columns, and its value tuples: to prepare it again
    tuples: list[tuple[Any, ...]]
    copy_columns: list[str]  # the columns of `payload`: the batch's, with the row id and the links
    payload: bytes
    rows: int
    fresh: bool
    skipped: int = 0  # records left out because their stored digest is the same (unchanged)


def joined(batches: Sequence[PreparedBatch]) -> list[PreparedBatch]:
    """Consecutive first-sync batches of the same columns as one batch each run: one COPY for several pages
    written in one transaction. Others are left as they are."""
    out: list[PreparedBatch] = []
    for batch in batches:
        last = out[-1] if out else None
        if last is not None and last.fresh and batch.fresh and last.copy_columns == batch.copy_columns:
            out[-1] = PreparedBatch(
                last.columns,
                [*last.tuples, *batch.tuples],
                last.copy_columns,
                last.payload + batch.payload,
                last.rows + batch.rows,
                True,
                last.skipped + batch.skipped,
            )
        else:
            out.append(batch)
    return out


def _digests(columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> list[int]:
    """A 64-bit BLAKE2b digest of each row's data (every column but those the writer stamps, in name order,
    so both ways of building rows agree), stored with the row. Equal digests mean equal data, short of a
    2^-64 chance; a row built another way only costs a write it could have skipped."""
    order = sorted((col, i) for i, col in enumerate(columns) if col not in NOT_DIGESTED)
    pick = itemgetter(*(i for _, i in order))
    return [
        int.from_bytes(blake2b(orjson.dumps(pick(values)), digest_size=8).digest(), "big", signed=True)
        for values in tuples
    ]


def _copy_payload(connection: psycopg.Connection, rows: list[tuple[Any, ...]]) -> bytes:
    """The rows as COPY text data, formatted by psycopg (its C formatter, the connection's adapters) into
    memory: writing it later is one `copy.write`, which keeps the transaction's thread free of per-row work.
    The cursor only lends its adapters; nothing is sent."""
    buffer = io.BytesIO()
    with Copy(connection.cursor(), binary=False, writer=FileWriter(buffer)) as copy:
        write = copy.write_row
        for values in rows:
            write(values)
    return buffer.getvalue()


def _any_unlinked(refs, targets: dict[Reference, dict[str, int]], columns, tuples) -> bool:
    """Whether a row of the batch names a target that is not stored (its link waits for the final resolution)."""
    for ref in refs:
        at = list(columns).index(ref.field)
        known = targets[ref]
        if any(values[at] is not None and values[at] not in known for values in tuples):
            return True
    return False


def _linker(
    refs: Sequence[Reference], targets: dict[Reference, dict[str, int]], columns: Sequence[str]
) -> Callable[[tuple[Any, ...]], tuple[int | None, ...]]:
    """values -> the row's link for each reference: the id of the target it names, or None while that
    target is not stored."""
    lookups = [(list(columns).index(ref.field), targets[ref].get) for ref in refs]
    return lambda values: tuple(get(values[at]) for at, get in lookups)
