"""When did each employee's leave balance last change? The index behind GET /leave-balances.

A balance is derived (allocation - used - pending over the employee's leave requests), so it has no
`updated_at` of its own. We define it as the latest of the employee record's `updated_at` and the
`updated_at` of any of the employee's leave requests (including deleted ones). That makes `updated_since`
on balances exact, and keyset paging by `(updated_at, employee_id)` as safe as on any table: a balance that
changes while a client pages moves behind its cursor.

The index is built once from the world and then brought up to date on every use by asking both tables
only for what changed since the last look (a bisect on their `(updated_at, id)` index), so it costs
O(changes), not O(employees), per request.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

from mock_hrms.world.table import Key, Table, decode_cursor, encode_cursor, to_micros

if TYPE_CHECKING:
    from mock_hrms.world import World

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SCAN_PAGE = 10_000


def from_micros(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def _changed(table: Table, since_micros: int | None):
    """Every record and tombstone of `table` with updated_at >= since (all of them when since is None)."""
    since = from_micros(since_micros) if since_micros is not None else None
    cursor = None
    while True:
        result = table.page(cursor=cursor, page_size=_SCAN_PAGE, updated_since=since, include_deleted=True)
        yield from result.items
        if result.next_cursor is None:
            return
        cursor = result.next_cursor


class BalanceIndex:
    """(updated_at, employee_id) of every employee's leave balance, live and deleted, kept up to date."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._employee_of_request: dict[str, str] = {}
        self._latest_request: dict[str, int] = {}
        self._key: dict[str, Key] = {}
        self._deleted: set[str] = set()
        self._live_keys: SortedList = SortedList()
        self._all_keys: SortedList = SortedList()
        self._employees_seen: int | None = None
        self._requests_seen: int | None = None

    def refresh(self) -> None:
        """Fold in every employee and leave-request change since the last refresh."""
        touched: set[str] = set()
        for item in _changed(self.world.tables["leave_requests"], self._requests_seen):
            micros = to_micros(item["updated_at"])
            self._requests_seen = max(self._requests_seen or 0, micros)
            employee_id = item.get("employee_id") or self._employee_of_request.get(item["id"])
            if employee_id is None:
                continue
            self._employee_of_request[item["id"]] = employee_id
            self._latest_request[employee_id] = max(self._latest_request.get(employee_id, 0), micros)
            touched.add(employee_id)
        for item in _changed(self.world.tables["employees"], self._employees_seen):
            self._employees_seen = max(self._employees_seen or 0, to_micros(item["updated_at"]))
            touched.add(item["id"])
        employees = self.world.tables["employees"]
        for employee_id in touched:
            record = employees.get_any(employee_id)
            if record is not None:
                self._reindex(employee_id, record)

    def _reindex(self, employee_id: str, record: dict) -> None:
        old = self._key.get(employee_id)
        if old is not None:
            self._all_keys.remove(old)
            if employee_id not in self._deleted:
                self._live_keys.remove(old)
        micros = max(to_micros(record["updated_at"]), self._latest_request.get(employee_id, 0))
        key = (micros, employee_id)
        self._key[employee_id] = key
        self._all_keys.add(key)
        if record.get("deleted"):
            self._deleted.add(employee_id)
        else:
            self._deleted.discard(employee_id)
            self._live_keys.add(key)

    def page(
        self,
        *,
        cursor: str | None,
        offset: int | None,
        page_size: int,
        updated_since: dt.datetime | None,
        include_deleted: bool,
    ) -> tuple[list[Key], int, str | None, set[str]]:
        """Keys of one page, the total matching, the next cursor and which of the page's ids are deleted."""
        self.refresh()
        keys = self._all_keys if include_deleted else self._live_keys
        start = keys.bisect_left((to_micros(updated_since), "")) if updated_since is not None else 0
        total = len(keys) - start
        if offset is not None:
            chosen = list(keys.islice(start + offset, start + offset + page_size))
            return chosen, total, None, self._deleted
        if cursor is not None:
            start = max(start, keys.bisect_right(decode_cursor(cursor)))
        window = list(keys.islice(start, start + page_size + 1))
        chosen = window[:page_size]
        next_cursor = encode_cursor(chosen[-1]) if len(window) > page_size else None
        return chosen, total, next_cursor, self._deleted
