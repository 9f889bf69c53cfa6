"""What changed among employees, as BambooHR's change feed and webhooks see it.

The world stamps `updated_at` on every change and keeps tombstones, so "changed since T" is a range read
(Table.page with updated_since). BambooHR also says *how* a record changed — Inserted, Updated or Deleted — which
needs the creation time the world does not keep: generated employees count as created on their hire date (capped
by their updated_at), and an employee first seen after startup as created at the first updated_at the tracker
observed. `observe()` runs after every request that can change the world, so that is the moment of the hire in
practice; an employee hired *and* edited between two observations (direct world access) counts as inserted at
the later stamp. Field-level diffs (webhooks' changedFields) need a snapshot, kept only once a webhook asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mock_hrms.vendors.bamboohr.ids import to_bamboo
from mock_hrms.vendors.bamboohr.mapping import employee_fields, local_midnight
from mock_hrms.world.table import to_micros

if TYPE_CHECKING:
    from mock_hrms.world import World

PAGE = 1000


@dataclass(frozen=True)
class Change:
    """One employee's change: BambooHR id, action, the fields that changed (for updates) and the current fields."""

    employee_id: str
    action: str  # "Inserted" | "Updated" | "Deleted"
    stamp: str  # the world updated_at of the change
    changed_fields: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


class ChangeTracker:
    def __init__(self, world: World) -> None:
        self.world = world
        table = world.tables["employees"]
        self._baseline = set(table.ids()) | {t["id"] for t in table.tombstones()}
        self._created: dict[str, int] = {}
        self._watermark = table.newest_micros() + 1
        self._snapshot: dict[str, dict] | None = None

    def created_micros(self, world_id: str, record: dict) -> int:
        if world_id in self._created:
            return self._created[world_id]
        if world_id in self._baseline and record.get("hire_date"):
            return min(to_micros(local_midnight(record["hire_date"])), to_micros(record["updated_at"]))
        return to_micros(record["updated_at"])

    def changed_since(self, since_micros: int) -> list[tuple[dict, str]]:
        """(record or tombstone, action) of every employee changed at or after `since`, oldest change first."""
        self.observe()
        since = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=since_micros)
        found: list[tuple[dict, str]] = []
        for record in self._walk(since):
            if record.get("deleted"):
                found.append((record, "Deleted"))
            elif self.created_micros(record["id"], record) >= since_micros:
                found.append((record, "Inserted"))
            else:
                found.append((record, "Updated"))
        return found

    def start_snapshots(self) -> None:
        """Begin remembering rendered fields, so later changes can name their changedFields."""
        if self._snapshot is None:
            self.observe()
            self._snapshot = {e["id"]: employee_fields(self.world, e) for e in self.world.tables["employees"].values()}

    def observe(self) -> list[Change]:
        """The employee changes since the last observation (and note newly created ids)."""
        since = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=self._watermark)
        changes: list[Change] = []
        for record in self._walk(since):
            world_id = record["id"]
            self._watermark = max(self._watermark, to_micros(record["updated_at"]) + 1)
            known = world_id in self._baseline or world_id in self._created
            if not known and not record.get("deleted"):
                self._created[world_id] = to_micros(record["updated_at"])
            changes.append(self._describe(record, known))
        return changes

    def _describe(self, record: dict, known: bool) -> Change:
        world_id, bamboo_id = record["id"], to_bamboo(record["id"])
        before = self._snapshot.pop(world_id, None) if self._snapshot is not None else None
        if record.get("deleted"):
            return Change(bamboo_id, "Deleted", record["updated_at"], fields=before or {"id": bamboo_id})
        after = employee_fields(self.world, record)
        if self._snapshot is not None:
            self._snapshot[world_id] = after
        if not known:
            return Change(bamboo_id, "Inserted", record["updated_at"], fields=after)
        changed = [k for k, v in after.items() if k != "lastChanged" and before is not None and before.get(k) != v]
        return Change(bamboo_id, "Updated", record["updated_at"], changed, after)

    def _walk(self, since: dt.datetime):
        table = self.world.tables["employees"]
        cursor = None
        while True:
            page = table.page(cursor=cursor, page_size=PAGE, updated_since=since, include_deleted=True)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
