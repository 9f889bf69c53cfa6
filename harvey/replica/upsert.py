"""Bulk writes into the replica: upsert a batch, soft-delete tombstones, resolve references.

Why not the ORM: `update_or_create` costs a query or two per record (the seed's ~200 records/s) and even
`bulk_create(update_conflicts=True)` manages ~7,000 rows/s here and cannot skip rows that did not change.
So one batch is one statement:

- PostgreSQL: COPY the batch into a temporary staging table, then one
  `INSERT … SELECT … ON CONFLICT (organization_id, external_id) DO UPDATE … WHERE <row differs>`
  `RETURNING (xmax = 0)` — no-op rows are not written at all, and the RETURNING tells inserts from updates.
- SQLite (the embedded default): the same upsert statement through `executemany`, values prepared by
  Django's own field adapters so the ORM reads them back unchanged.

Two PostgreSQL fast paths keep a full sync close to the speed of a bare COPY:
- while the organization had no row of the entity when the writer was created (a first sync), a batch is
  COPYed straight into the table under a savepoint; the first key conflict (a record seen twice in one run)
  rolls that batch back to the upsert and ends the fast path for the writer;
- `upsert_records` builds the value tuples from validated canonical records with a `RowPlan` instead of
  dumping every record to a dict first.
The staging table is created once per connection (`ON COMMIT DELETE ROWS`), not once per batch.

Both refuse to let an older version overwrite a newer one (`source_updated_at` only moves forward), which
makes webhook deliveries and overlapping sync windows safe to apply in any order.

The caller owns the transaction (the sync engine commits a batch together with its checkpoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import IntegrityError, connections, models, transaction
from django.utils import timezone
from psycopg.errors import UniqueViolation
from pydantic import BaseModel

from .registry import REFERENCES, Reference, canonical_to_rows, replica_model
from .rowplan import RowPlan

KEY = ("organization_id", "external_id")
# Written by the writer itself, never compared: a row that only differs by when we saw it is unchanged.
BOOKKEEPING = ("synced_at",)
FIXED = ("organization_id", "hrms_type", "synced_at", "deleted_at")  # stamped by the writer on every row
SQLITE_CHUNK = 500  # keeps `IN (...)` lists under SQLite's bound-parameter limit
RUN_IDS_LIMIT = 250_000  # external id -> row id entries a first sync keeps in memory (~30 MB)


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class ReplicaWriter:
    """Writes canonical rows (from `canonical_to_rows`) of one entity for one organization."""

    def __init__(self, entity: str, organization_id: int, hrms_type: str, *, using: str = "default") -> None:
        self.entity = entity
        self.model: type[models.Model] = replica_model(entity)
        self.organization_id = organization_id
        self.hrms_type = hrms_type
        self.using = using
        self.table = self.model._meta.db_table
        fields = [f for f in self.model._meta.concrete_fields if not f.is_relation and not f.primary_key]
        self._fields = {f.column: f for f in fields}
        self._fields["organization_id"] = self.model._meta.get_field("organization")
        self.columns: list[str] = ["organization_id", *(f.column for f in fields)]
        self._data_columns = [col for col in self.columns if col not in KEY and col not in BOOKKEEPING]
        self._json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
        self._defaults = {f.column: f.get_default() for f in fields}
        self._plans: dict[type[BaseModel], RowPlan] = {}
        # None until the first write: then whether the organization had no row here (COPY straight in).
        self._fresh: bool | None = None
        self._analyzed = False  # see _analyze_if_stale
        # During a first sync: external id -> row id of every record this writer wrote or reserved an id for
        # (a manager named before their own page arrives gets the id now and keeps it when it comes).
        self._run_ids: dict[str, int] = {}

    @property
    def connection(self):
        return connections[self.using]

    # ------------------------------------------------------------------ upsert

    def upsert(self, rows: Sequence[dict[str, Any]], *, synced_at: dt.datetime | None = None) -> UpsertCounts:
        """Insert new records, update changed ones, skip identical ones. Returns the three counts."""
        if not rows:
            return UpsertCounts()
        tuples = self._tuples(self._latest_per_id(rows), synced_at or timezone.now())
        if self.connection.vendor == "postgresql":
            json_idx = [i for i, col in enumerate(self.columns) if col in self._json_columns]
            if json_idx:
                tuples = [_json_as_text(values, json_idx) for values in tuples]
            return self._write_postgresql(self.columns, tuples)
        return self._upsert_generic(tuples)

    def upsert_records(self, records: Sequence[BaseModel], *, synced_at: dt.datetime | None = None) -> UpsertCounts:
        """`upsert(canonical_to_rows(...))` for validated canonical records, without building dicts first."""
        if not records:
            return UpsertCounts()
        if self.entity == "leave_balances" or self.connection.vendor != "postgresql":
            rows = [row for record in records for row in canonical_to_rows(self.entity, record)]
            return self.upsert(rows, synced_at=synced_at)
        latest = _latest_records(records)
        plan = self._plan(type(latest[0]))
        fixed = {"organization_id": self.organization_id, "hrms_type": self.hrms_type, "deleted_at": None}
        fixed["synced_at"] = synced_at or timezone.now()
        if any(type(record) is not type(latest[0]) for record in latest):  # mixed shapes: one plan each
            counts = UpsertCounts()
            for schema in {type(record) for record in latest}:
                counts += self.upsert_records([r for r in latest if type(r) is schema], synced_at=fixed["synced_at"])
            return counts
        tuples = plan.rows(latest, [fixed[col] for col in plan.fixed])
        return self._write_postgresql(plan.columns, tuples)

    def _plan(self, schema: type[BaseModel]) -> RowPlan:
        plan = self._plans.get(schema)
        if plan is None:
            plan = self._plans[schema] = RowPlan(
                schema,
                self.columns,
                fixed=FIXED,
                json_columns=self._json_columns,
                defaults=self._defaults,
                json_text=True,
            )
        return plan

    @staticmethod
    def _latest_per_id(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One row per external id (the newest): a statement may not touch the same row twice."""
        by_id: dict[str, dict[str, Any]] = {}
        for row in rows:
            current = by_id.get(row["external_id"])
            if current is None or _newer_or_same(row.get("source_updated_at"), current.get("source_updated_at")):
                by_id[row["external_id"]] = row
        return list(by_id.values())

    def _tuples(self, rows: Iterable[dict[str, Any]], synced_at: dt.datetime) -> list[tuple[Any, ...]]:
        fixed = {
            "organization_id": self.organization_id,
            "hrms_type": self.hrms_type,
            "synced_at": synced_at,
            "deleted_at": None,
        }
        defaults = self._defaults
        out = []
        for row in rows:
            values = []
            for col in self.columns:
                if col in fixed:
                    values.append(fixed[col])
                else:
                    values.append(row[col] if col in row else defaults[col])
            out.append(tuple(values))
        return out

    def _update_clause(self, excluded: str, target: str, distinct: str) -> tuple[str, str]:
        sets = ", ".join(f"{_q(col)} = {excluded}.{_q(col)}" for col in (*self._data_columns, *BOOKKEEPING))
        differs = " OR ".join(f"{target}.{_q(col)} {distinct} {excluded}.{_q(col)}" for col in self._data_columns)
        forward = (
            f"({target}.source_updated_at IS NULL OR {excluded}.source_updated_at IS NULL"
            f" OR {excluded}.source_updated_at >= {target}.source_updated_at)"
        )
        return sets, f"({differs}) AND {forward}"

    def _write_postgresql(self, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> UpsertCounts:
        """Write one batch with its references resolved as far as they can be now.

        Every reference to a record already stored (an earlier page, an earlier run, the departments
        synced before the employees) is filled in while the row is written, so the run's final
        `resolve_references` rewrites only rows whose target came later (a report paged before their
        manager). While this organization's rows are all new (a first sync) the batch is COPYed straight
        into the table under a savepoint, with ids taken from the table's sequence beforehand — also for
        the records of this table the batch names that have not arrived yet (`_reserve_for`), so every
        link is written with its row and nothing is re-linked at the end; the first key conflict (a record
        seen twice in one run) rolls that back to the staged upsert and ends the fast path for the writer.

        Rejected after measuring: linking the rows that waited for this batch's records page by page
        (`UPDATE … WHERE manager_id = ANY(batch ids) AND manager_ref IS NULL`). The writer thread is the
        slow side of the pipeline, so the same rewrites cost more there (12.7 s vs 9.5 s for a
        100k-employee first sync, with or without an (organization, manager_id) index) than in the one
        set-based UPDATE at the end.
        """
        with transaction.atomic(using=self.using, savepoint=False):
            if self._fresh is None:
                self._fresh = (
                    not self.model.all_objects.using(self.using).filter(organization_id=self.organization_id).exists()
                )
            key = list(columns).index("external_id")
            refs = self._references(columns)
            with self.connection.cursor() as cursor:
                # A first sync knows its own rows without asking: only other tables are looked up.
                looked_up = [ref for ref in refs if not (self._fresh and ref.target == self.entity)]
                known = self._lookup_targets(cursor, looked_up, columns, tuples)
                if self._fresh and len(self._run_ids) > RUN_IDS_LIMIT:
                    # Memory stays bounded whatever the organization's size: past this many records the run
                    # goes on through the upsert path, and forward links are settled by the final resolution.
                    self._fresh = False
                    known = self._lookup_targets(cursor, refs, columns, tuples)
                    looked_up = refs
                if self._fresh:
                    run_ids = self._reserve_for(cursor, columns, key, refs, tuples)
                    own = {ref: run_ids if ref.target == self.entity else known[ref] for ref in refs}
                    links = _linker(refs, own, columns)
                    rows = [(run_ids[values[key]], *values, *links(values)) for values in tuples]
                    try:
                        with transaction.atomic(using=self.using):  # a savepoint: a conflict undoes only this COPY
                            self._copy(_q(self.table), ["id", *columns, *self._fk_columns(refs)], rows)
                        self._analyze_if_stale(cursor, len(rows))
                        return UpsertCounts(inserted=len(tuples))
                    except IntegrityError as e:
                        if not isinstance(e.__cause__, UniqueViolation):
                            raise
                        self._fresh = False  # a record came twice in this run (or from elsewhere): upsert
                if len(looked_up) != len(refs):  # leaving the first-sync path: look this table's targets up too
                    known = self._lookup_targets(cursor, refs, columns, tuples)
                links = _linker(refs, known, columns)
                rows = [(*values, *links(values)) for values in tuples]
                return self._upsert_staged(cursor, [*columns, *self._fk_columns(refs)], rows)

    def _copy(self, table: str, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(_q(col) for col in columns)
        with (
            self.connection.cursor() as cursor,
            self.connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,  # psycopg 3: COPY is its own API
        ):
            write = copy.write_row
            for values in tuples:
                write(values)

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
        return [ref for ref in REFERENCES.get(self.entity, ()) if ref.source_field in columns]

    def _fk_columns(self, refs: Sequence[Reference]) -> list[str]:
        return [self.model._meta.get_field(ref.fk).column for ref in refs]

    def _lookup_targets(self, cursor, refs, columns, tuples) -> dict[Reference, dict[str, int]]:
        """external id -> row id of every target the batch names that is already stored (one query per
        reference, by the targets' unique key: a single scan, whatever the table's statistics say)."""
        found: dict[Reference, dict[str, int]] = {}
        for ref in refs:
            at = list(columns).index(ref.source_field)
            wanted = list({values[at] for values in tuples if values[at] is not None})
            found[ref] = {}
            if wanted:
                target = _q(replica_model(ref.target)._meta.db_table)
                cursor.execute(
                    f"SELECT external_id, id FROM {target} WHERE organization_id = %s AND external_id = ANY(%s)",
                    [self.organization_id, wanted],
                )
                found[ref] = dict(cursor.fetchall())
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
                at = list(columns).index(ref.source_field)
                wanted.extend(values[at] for values in tuples if values[at] is not None)
        new = [xid for xid in dict.fromkeys(wanted) if xid not in run_ids]
        if new:
            run_ids.update(zip(new, self._reserve_ids(cursor, len(new)), strict=True))
        return run_ids

    def _reserve_ids(self, cursor, count: int) -> list[int]:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [self.table, count]
        )
        return [pk for (pk,) in cursor.fetchall()]

    def _upsert_staged(self, cursor, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> UpsertCounts:
        """COPY into the connection's staging table, then one INSERT … ON CONFLICT that writes only rows
        that differ (a link counts as data only when the row is written anyway)."""
        stage = _q(f"_stage_{self.table}")
        cols = ", ".join(_q(col) for col in columns)
        sets, where = self._update_clause("EXCLUDED", _q(self.table), "IS DISTINCT FROM")
        links = "".join(f", {_q(col)} = EXCLUDED.{_q(col)}" for col in columns if col not in self._fields)
        # Once per connection; ON COMMIT DELETE ROWS empties it after every batch (the caller's commit),
        # and a savepoint rolled back may have left a batch behind: cleared first.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT * FROM {_q(self.table)} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {stage}")
        self._copy(stage, columns, rows)
        cursor.execute(
            f"INSERT INTO {_q(self.table)} ({cols}) SELECT {cols} FROM {stage} "
            f"ON CONFLICT (organization_id, external_id) DO UPDATE SET {sets}{links} WHERE {where} "
            "RETURNING (xmax = 0)"
        )
        flags = cursor.fetchall()
        inserted = sum(1 for (is_insert,) in flags if is_insert)
        return UpsertCounts(inserted=inserted, updated=len(flags) - inserted, unchanged=len(rows) - len(flags))

    def _upsert_generic(self, tuples: list[tuple[Any, ...]]) -> UpsertCounts:
        connection = self.connection
        fields = [self._fields[col] for col in self.columns]
        prepared = [
            tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True))
            for values in tuples
        ]
        ids = [values[self.columns.index("external_id")] for values in tuples]
        existing = self._existing(ids)
        cols = ", ".join(_q(col) for col in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        sets, where = self._update_clause("excluded", _q(self.table), "IS NOT")
        sql = (
            f"INSERT INTO {_q(self.table)} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT (organization_id, external_id) DO UPDATE SET {sets} WHERE {where}"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
            written = cursor.rowcount
        inserted = len(tuples) - len(existing)
        updated = max(written - inserted, 0)
        return UpsertCounts(inserted=inserted, updated=updated, unchanged=len(existing) - updated)

    def _existing(self, external_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.connection.cursor() as cursor:
            for start in range(0, len(external_ids), SQLITE_CHUNK):
                chunk = external_ids[start : start + SQLITE_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT external_id FROM {_q(self.table)} WHERE organization_id = %s AND external_id IN ({marks})",
                    [self.organization_id, *chunk],
                )
                found.update(row[0] for row in cursor.fetchall())
        return found

    # ------------------------------------------------------------------ deletions

    def soft_delete(self, tombstones: Sequence[tuple[str, dt.datetime | None]], *, key: str = "external_id") -> int:
        """Mark records deleted. Each tombstone is (id, deleted at the source); an older tombstone never
        deletes a record the HRMS changed after it (the record came back). `key` is the column the id names
        (a deleted employee's leave balances are found by `employee_id`)."""
        deleted = 0
        now = timezone.now()
        table = self.model.all_objects.filter(organization_id=self.organization_id, deleted_at__isnull=True)
        for start in range(0, len(tombstones), SQLITE_CHUNK):
            chunk = tombstones[start : start + SQLITE_CHUNK]
            for external_id, at in chunk:
                rows = table.filter(**{key: external_id})
                if at is not None:
                    rows = rows.filter(models.Q(source_updated_at__isnull=True) | models.Q(source_updated_at__lte=at))
                deleted += rows.update(deleted_at=now, source_updated_at=at or now, synced_at=now)
        return deleted

    def soft_delete_missing(self, present_external_ids: set[str]) -> list[str]:
        """Soft-delete live records whose id is not in `present_external_ids` (a completed roster sweep)."""
        live = self.model.objects.filter(organization_id=self.organization_id).values_list("external_id", flat=True)
        missing = [xid for xid in live.iterator(chunk_size=5000) if xid not in present_external_ids]
        now = timezone.now()
        for start in range(0, len(missing), SQLITE_CHUNK):
            chunk = missing[start : start + SQLITE_CHUNK]
            self.model.objects.filter(organization_id=self.organization_id, external_id__in=chunk).update(
                deleted_at=now, synced_at=now
            )
        return missing

    # ------------------------------------------------------------------ references

    def resolve_references(self, *, touched_since: dt.datetime | None = None) -> int:
        """Point each `<x>_ref` foreign key at the row whose external id the record names.

        Only rows written since `touched_since` are re-resolved, plus any row still waiting for its target
        (a manager synced after their report): a reference is kept by external id and resolved later,
        never dropped.
        """
        if self.connection.vendor == "postgresql" and REFERENCES.get(self.entity):
            return self._resolve_references_postgresql(touched_since)
        distinct = "IS DISTINCT FROM" if self.connection.vendor == "postgresql" else "IS NOT"
        total = 0
        with self.connection.cursor() as cursor:
            for ref in REFERENCES.get(self.entity, ()):
                fk_col = self.model._meta.get_field(ref.fk).column
                target = replica_model(ref.target)._meta.db_table
                src = _q(ref.source_field)
                lookup = (
                    f"(SELECT p.id FROM {_q(target)} p WHERE p.organization_id = %s "
                    f"AND p.external_id = {_q(self.table)}.{src})"
                )
                scope = ""
                params: list[Any] = [self.organization_id, self.organization_id, self.organization_id]
                if touched_since is not None:
                    scope = f" AND (synced_at >= %s OR ({_q(fk_col)} IS NULL AND {src} IS NOT NULL))"
                    params.append(self._fields["synced_at"].get_db_prep_save(touched_since, self.connection))
                cursor.execute(
                    f"UPDATE {_q(self.table)} SET {_q(fk_col)} = {lookup} "
                    f"WHERE organization_id = %s AND {_q(fk_col)} {distinct} {lookup}{scope}",
                    params,
                )
                total += max(cursor.rowcount, 0)
        return total

    def _resolve_references_postgresql(self, touched_since: dt.datetime | None) -> int:
        """Every reference of the table in one UPDATE … FROM with hash joins: each row that changes is
        rewritten once (with all its indexes), not once per reference, and no subquery runs per row."""
        refs = REFERENCES[self.entity]
        table = _q(self.table)
        joins, sets, differs, waiting = [], [], [], []
        for n, ref in enumerate(refs):
            fk_col = _q(self.model._meta.get_field(ref.fk).column)
            target = _q(replica_model(ref.target)._meta.db_table)
            src = _q(ref.source_field)
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


def _linker(
    refs: Sequence[Reference], targets: dict[Reference, dict[str, int]], columns: Sequence[str]
) -> Callable[[tuple[Any, ...]], tuple[int | None, ...]]:
    """values -> the row's link for each reference: the id of the target it names, or None while that
    target is not stored."""
    lookups = [(list(columns).index(ref.source_field), targets[ref].get) for ref in refs]
    return lambda values: tuple(get(values[at]) for at, get in lookups)


def _latest_records(records: Sequence[BaseModel]) -> list[BaseModel]:
    """`_latest_per_id` for canonical records (`id`, `updated_at`)."""
    by_id: dict[str, BaseModel] = {}
    for record in records:
        current = by_id.get(record.id)
        if current is None or _newer_or_same(record.updated_at, current.updated_at):
            by_id[record.id] = record
    return list(by_id.values()) if len(by_id) != len(records) else list(records)


def _json_as_text(values: tuple[Any, ...], json_idx: list[int]) -> tuple[Any, ...]:
    listed = list(values)
    for i in json_idx:
        listed[i] = orjson.dumps(listed[i]).decode()
    return tuple(listed)


def _newer_or_same(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None or b is None:
        return True
    return a >= b


def _q(name: str) -> str:
    return f'"{name}"'
