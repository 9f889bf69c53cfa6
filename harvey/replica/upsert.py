"""Bulk writes into the replica: upsert a batch, soft-delete tombstones, resolve references.

Why not the ORM: `update_or_create` costs a query or two per record (the seed's ~200 records/s) and even
`bulk_create(update_conflicts=True)` manages ~7,000 rows/s here and cannot skip rows that did not change.
So one batch is one statement:

- PostgreSQL: COPY the batch into a temporary staging table, then one
  `INSERT … SELECT … ON CONFLICT (organization_id, external_id) DO UPDATE … WHERE <row differs>`
  `RETURNING (xmax = 0)` — no-op rows are not written at all, and the RETURNING tells inserts from updates.
- SQLite (the embedded default): the same upsert statement through `executemany`, values prepared by
  Django's own field adapters so the ORM reads them back unchanged.

PostgreSQL fast paths:
- while the organization had no row of the entity when the writer was created (a first sync), a batch is
  COPYed straight into the table under a savepoint, with row ids reserved and links filled in ahead; the
  first key conflict (a record seen twice in one run) rolls that batch back to the upsert and ends the fast
  path for the writer;
- otherwise a batch first drops the records whose stored `content_digest` says they are unchanged, so a
  re-sync in which nothing changed sends nothing but one look-up per page;
- a batch can be prepared (rows, links, digests, COPY data) outside its transaction, on another thread
  (`prepare_records` / `write_prepared`; the sync engine does), and a first sync's COPYs can be committed by
  a process of their own (copy_process.py);
- `upsert_records` builds the value tuples from validated canonical records with a `RowPlan` instead of
  dumping every record to a dict first.
The staging table is created once per connection (`ON COMMIT DELETE ROWS`), not once per batch.

Both refuse to let an older version overwrite a newer one (`source_updated_at` only moves forward), which
makes webhook deliveries and overlapping sync windows safe to apply in any order.

The PostgreSQL paths live in `postgres_paths.py` (a mixin). The caller owns the transaction (the sync engine
commits a batch together with its checkpoint).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import connections, models
from django.utils import timezone
from pydantic import BaseModel

from .counts import UpsertCounts
from .postgres_paths import DIGEST, PostgresPaths, PreparedBatch, joined
from .postgres_paths import quote as _q
from .registry import REFERENCES, canonical_to_rows, replica_model
from .rowplan import RowPlan

KEY = ("organization_id", "external_id")
# Written by the writer itself, never compared: a row that only differs by when we saw it is unchanged.
BOOKKEEPING = ("synced_at",)
FIXED = ("organization_id", "hrms_type", "synced_at", "deleted_at")  # stamped by the writer on every row
SQLITE_CHUNK = 500  # keeps `IN (...)` lists under SQLite's bound-parameter limit


class ReplicaWriter(PostgresPaths):
    """Writes canonical rows (from `canonical_to_rows`) of one entity for one organization."""

    def __init__(self, entity: str, organization_id: int, hrms_type: str, *, using: str = "default") -> None:
        self.entity = entity
        self.model: type[models.Model] = replica_model(entity)
        self.organization_id = organization_id
        self.hrms_type = hrms_type
        self.using = using
        self.table = self.model._meta.db_table
        fields = [
            f
            for f in self.model._meta.concrete_fields
            if not f.is_relation and not f.primary_key and f.column != DIGEST  # the digest is the writer's own
        ]
        self._fields = {f.column: f for f in fields}
        self._fields["organization_id"] = self.model._meta.get_field("organization")
        self.columns: list[str] = ["organization_id", *(f.column for f in fields)]
        self._data_columns = [col for col in self.columns if col not in KEY and col not in BOOKKEEPING]
        self._json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
        self._defaults = {f.column: f.get_default() for f in fields}
        self._plans: dict[type[BaseModel], RowPlan] = {}
        # None until the first write: then whether the organization had no row here (COPY straight in).
        self._fresh: bool | None = None
        self.started_empty = False  # whether the organization had no row here at the first write
        self._analyzed = False  # see _analyze_if_stale
        # During a first sync: external id -> row id of every record this writer wrote or reserved an id for
        # (a manager named before their own page arrives gets the id now and keeps it when it comes).
        self._run_ids: dict[str, int] = {}
        self._spare_ids: deque[int] = deque()  # reserved from the sequence, not handed out yet
        self._id_block = 0  # how many ids the last reservation took ahead of need (see _reserve_ids)
        self._targets_seen: dict[str, dict[str, int]] = {}  # other tables' rows this writer links to
        # See `links_pending`: a row written whose link could not be filled in then (its target was not stored
        # yet), and the records named ahead of their own page that have not come yet.
        self._links_pending = False
        self._awaited: set[str] = set()
        self._prepare_lock = threading.Lock()

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
        if any(type(record) is not type(latest[0]) for record in latest):  # mixed shapes: one plan each
            counts = UpsertCounts()
            for schema in {type(record) for record in latest}:
                counts += self.upsert_records([r for r in latest if type(r) is schema], synced_at=synced_at)
            return counts
        return self._write_prepared(self.prepare_records(latest, synced_at=synced_at))

    def prepare_records(
        self, records: Sequence[BaseModel], *, synced_at: dt.datetime | None = None
    ) -> PreparedBatch | None:
        """The part of `upsert_records` that can run ahead, outside the batch's transaction (links, COPY data;
        see `_prepare_postgresql`); `write_prepared` finishes it. None where nothing is prepared ahead
        (not PostgreSQL, leave balances, a batch of mixed shapes): `upsert_records` writes those."""
        if not records or self.entity == "leave_balances" or self.connection.vendor != "postgresql":
            return None
        latest = _latest_records(records)
        if any(type(record) is not type(latest[0]) for record in latest):
            return None
        plan = self._plan(type(latest[0]))
        fixed = {"organization_id": self.organization_id, "hrms_type": self.hrms_type, "deleted_at": None}
        fixed["synced_at"] = synced_at or timezone.now()
        return self._prepare_postgresql(plan.columns, plan.rows(latest, [fixed[col] for col in plan.fixed]))

    @property
    def first_sync_path(self) -> bool:
        """Whether batches are still prepared for a bare COPY into the table (see `_prepare_postgresql`)."""
        return bool(self._fresh)

    def assume_stored(self) -> None:
        """The organization had rows here before (its sync completed a pass): batches go through the upsert
        from the start, and the writer need not ask the table whether it is empty (one query per run)."""
        if self._fresh is None:
            self._fresh = self.started_empty = False

    def end_first_sync_path(self) -> None:
        """From now on batches are upserted (a record of this run turned out to be stored already)."""
        self._leave_first_sync_path()

    def write_prepared(self, *batches: PreparedBatch) -> UpsertCounts:
        """Write batches from `prepare_records`, in order, in the caller's transaction (consecutive first-sync
        batches as one COPY)."""
        counts = UpsertCounts()
        for batch in joined(batches):
            counts += self._write_prepared(batch)
        return counts

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
        self._links_pending = self._links_pending or bool(REFERENCES.get(self.entity))  # linked afterwards
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
                fk_col = self.model._meta.get_field(ref.link_field).column
                target = replica_model(ref.target)._meta.db_table
                src = _q(ref.field)
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
