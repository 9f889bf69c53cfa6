"""One entity's records in memory, with the two kinds of paging a sync and a person need.

A `Table` keeps live records and tombstones apart and indexes them twice:
- by `(updated_at, id)` — keyset paging and `updated_since` are a bisect plus a slice, O(log n + page),
  so a 100k-employee world answers a sync page as fast as a 150-employee one. A record that changes while a
  client pages gets a newer `updated_at`, moves behind the client's cursor and is seen again; nothing is
  skipped (docs/architecture.md §2);
- by `id` — offset paging (the seed's `page`/`page_size`) walks ids in order, so updates, which do not
  change ids, never shift the pages under a client; only inserts and deletes can.

Records are plain JSON-ready dicts in the canonical detail shape. Stored dicts are shared, not copied:
treat what `get` returns as read-only and `put` a changed copy, or the indexes and the orjson cache go stale.

Each record's JSON is made once per shape and cached until the record changes, so a sync reading every
record pays for serialisation once. Cached bytes are right-sized copies of orjson's output: orjson returns
a bytes object that keeps its whole working buffer (about 8 KiB here), so keeping 100k of them directly cost
~800 MiB and made the first pass over a 100k table four times slower (page faults), see `_keepable`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import orjson
from sortedcontainers import SortedList

from mock_hrms.world.errors import BadRequest, NotFound

Key = tuple[int, str]
SHAPES = ("detail", "list")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class PageResult:
    """One page: records or tombstones, how many match in total, and the cursor to the next page."""

    items: list[dict]
    total: int
    next_cursor: str | None


def to_micros(value: dt.datetime | str) -> int:
    """An aware instant as integer microseconds since the epoch: a total order, cheap to compare."""
    if isinstance(value, str):
        return _iso_micros(value)
    if value.tzinfo is None:
        raise BadRequest("naive_datetime", "Datetimes must carry a UTC offset.", "updated_since")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@lru_cache(maxsize=1 << 16)
def _iso_micros(value: str) -> int:
    """Parsed once per distinct string: generated worlds reuse a pool of timestamps."""
    return to_micros(dt.datetime.fromisoformat(value))


def _keepable(data: bytes) -> bytes:
    """A right-sized copy of orjson output that is going to be kept (see the module docstring).

    Copying ~600 bytes costs far less than the page faults of keeping orjson's 8 KiB buffer per record.
    """
    return memoryview(data).tobytes()


def encode_cursor(key: Key) -> str:
    """The opaque cursor: url-safe base64 of "<micros>|<id>" of the last item of a page."""
    raw = f"{key[0]}|{key[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """Inverse of `encode_cursor`; anything we did not produce is a 400, never a 500."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, sep, id_ = raw.partition("|")
        if not sep or not id_:
            raise ValueError("no separator")
        return int(micros), id_
    except (ValueError, binascii.Error, UnicodeDecodeError) as e:
        raise invalid_cursor() from e


def invalid_cursor() -> BadRequest:
    """The error of a cursor this server did not issue (the API documents it as its 400 `invalid_cursor`)."""
    return BadRequest("invalid_cursor", "The cursor is not one this server issued.", "cursor")


class Table:
    """Live records and tombstones of one entity, indexed for keyset and offset paging.

    `list_fields` names the fields of the entity's list shape (canonical Employee for employees, ...);
    None means the list shape is the detail shape.
    """

    def __init__(self, entity: str, list_fields: Iterable[str] | None = None) -> None:
        self.entity = entity
        self.list_fields: tuple[str, ...] | None = tuple(list_fields) if list_fields is not None else None
        self._live: dict[str, dict] = {}
        self._dead: dict[str, dict] = {}
        self._key_of: dict[str, Key] = {}
        self._live_keys: SortedList = SortedList()
        self._all_keys: SortedList = SortedList()
        self._live_ids: SortedList = SortedList()
        self._all_ids: SortedList = SortedList()
        # Cached JSON per shape, keyed by id (no tuple key to build and hash per lookup).
        self._json: dict[str, dict[str, bytes]] = {shape: {} for shape in SHAPES}
        # Stamps tombstones when `delete` is not given a time; the World sets it to its own clock.
        self.clock: Callable[[], str] | None = None

    # ---- reads ---------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, id: object) -> bool:
        return id in self._live

    def get(self, id: str) -> dict | None:
        """The live record, or None if it never existed or was deleted."""
        return self._live.get(id)

    def get_any(self, id: str) -> dict | None:
        """The live record or, if deleted, its tombstone."""
        return self._live.get(id) or self._dead.get(id)

    def values(self) -> Iterator[dict]:
        """Live records in insertion order (generation order for a fresh world)."""
        return iter(self._live.values())

    def ids(self) -> list[str]:
        """Live ids in id order."""
        return list(self._live_ids)

    def newest_micros(self) -> int:
        """The latest updated_at (live or deleted) as epoch microseconds; 0 for an empty table."""
        return self._all_keys[-1][0] if self._all_keys else 0

    def tombstones(self) -> Iterator[dict]:
        return iter(self._dead.values())

    # ---- writes --------------------------------------------------------------------------------------

    def put(self, record: dict) -> None:
        """Insert or replace a record (resurrecting a deleted id); the caller has stamped updated_at."""
        id_ = record["id"]
        self._unindex(id_)
        self._dead.pop(id_, None)
        self._live[id_] = record
        self._index(id_, (to_micros(record["updated_at"]), id_), live=True)

    def delete(self, id: str, updated_at: str | None = None) -> dict:
        """Replace a live record by its tombstone stamped `updated_at` (default: the table's clock)."""
        if id not in self._live:
            raise NotFound(self.entity, id)
        if updated_at is None:
            if self.clock is None:
                raise ValueError(f"{self.entity}: a tombstone needs updated_at or a table clock")
            updated_at = self.clock()
        self._unindex(id)
        del self._live[id]
        tombstone = {"id": id, "deleted": True, "updated_at": updated_at}
        self._dead[id] = tombstone
        self._index(id, (to_micros(updated_at), id), live=False)
        return tombstone

    def bulk_load(self, records: Iterable[dict]) -> None:
        """Load many new records at once: the indexes are built by one sort instead of n inserts."""
        for record in records:
            id_ = record["id"]
            if id_ in self._key_of:
                raise ValueError(f"duplicate id {id_!r} in bulk load of {self.entity}")
            self._live[id_] = record
            self._key_of[id_] = (to_micros(record["updated_at"]), id_)
        keys = sorted(self._key_of.values())  # sorted once; SortedList takes sorted input in O(n)
        self._live_keys = SortedList(keys)
        self._all_keys = SortedList(keys)
        ids = sorted(self._live)
        self._live_ids = SortedList(ids)
        self._all_ids = SortedList(ids)
        for cache in self._json.values():
            cache.clear()

    def _index(self, id_: str, key: Key, *, live: bool) -> None:
        self._key_of[id_] = key
        self._all_keys.add(key)
        self._all_ids.add(id_)
        if live:
            self._live_keys.add(key)
            self._live_ids.add(id_)

    def _unindex(self, id_: str) -> None:
        key = self._key_of.pop(id_, None)
        if key is None:
            return
        self._all_keys.remove(key)
        self._all_ids.remove(id_)
        if id_ in self._live:
            self._live_keys.remove(key)
            self._live_ids.remove(id_)
        for cache in self._json.values():
            cache.pop(id_, None)

    # ---- serialisation -------------------------------------------------------------------------------

    def json_bytes(self, id: str, shape: str = "detail") -> bytes:
        """The record (or tombstone) as orjson bytes in the "detail" or "list" shape, cached until it changes."""
        cache = self._cache(shape)
        cached = cache.get(id)
        if cached is not None:
            return cached
        record = self.get_any(id)
        if record is None:
            raise NotFound(self.entity, id)
        return self._serialise(record, shape, cache)

    def json_many(self, records: Iterable[dict], shape: str = "detail") -> list[bytes]:
        """`json_bytes` of each of these records or tombstones, in order: pass them as `page` returned them.

        The batch form of the hot path: one cache lookup per record and no per-record method call or
        shape check, which is most of the cost once the cache is warm.
        """
        cache = self._cache(shape)
        cached = cache.get
        out = []
        append = out.append
        for record in records:
            data = cached(record["id"])
            append(data if data is not None else self._serialise(record, shape, cache))
        return out

    def _cache(self, shape: str) -> dict[str, bytes]:
        try:
            return self._json[shape]
        except KeyError:
            raise ValueError(f"unknown shape {shape!r}") from None

    def _serialise(self, record: dict, shape: str, cache: dict[str, bytes]) -> bytes:
        """Serialise `record` in `shape` (tombstones as themselves) and cache the bytes under its id."""
        id_ = record["id"]
        fields = self.list_fields
        if shape == "list" and fields is not None and not record.get("deleted"):
            record = {name: record.get(name) for name in fields}  # a missing field is null, as the model allows
        data = _keepable(orjson.dumps(record))
        cache[id_] = data
        return data

    # ---- paging --------------------------------------------------------------------------------------

    def page(
        self,
        *,
        cursor: str | None = None,
        page: int | None = None,
        page_size: int = 50,
        updated_since: dt.datetime | None = None,
        include_deleted: bool = False,
        where: Callable[[dict], bool] | None = None,
    ) -> PageResult:
        """Keyset paging by (updated_at, id) unless `page` is given, then offset paging by id.

        `updated_since` is inclusive. `where` filters live records; tombstones have no fields to filter
        on and are always included with `include_deleted` (a filtered sync still has to learn deletions).
        `total` counts every matching record, not only this page.
        """
        if page_size < 1:
            raise BadRequest("invalid_page_size", "page_size must be at least 1.", "page_size")
        if page is not None and cursor is not None:
            raise BadRequest("cursor_and_page", "Use either cursor or page, not both.", "cursor")
        if page is not None and page < 1:
            raise BadRequest("invalid_page", "page must be at least 1.", "page")
        since = to_micros(updated_since) if updated_since is not None else None
        match = self._matcher(since, include_deleted, where)
        if page is not None:
            return self._offset_page(page, page_size, include_deleted, since, where, match)
        return self._keyset_page(cursor, page_size, include_deleted, since, where, match)

    def _matcher(
        self, since: int | None, include_deleted: bool, where: Callable[[dict], bool] | None
    ) -> Callable[[str], dict | None]:
        """id -> record/tombstone if it matches the filters, else None."""
        live, dead, key_of = self._live, self._dead, self._key_of

        def match(id_: str) -> dict | None:
            if since is not None and key_of[id_][0] < since:
                return None
            record = live.get(id_)
            if record is not None:
                return record if where is None or where(record) else None
            return dead.get(id_) if include_deleted else None

        return match

    def _keyset_page(self, cursor, page_size, include_deleted, since, where, match) -> PageResult:
        keys = self._all_keys if include_deleted else self._live_keys
        start = keys.bisect_left((since, "")) if since is not None else 0
        if where is None:
            total = len(keys) - start
            if cursor is not None:
                start = max(start, keys.bisect_right(decode_cursor(cursor)))
            window = list(islice(keys.islice(start), page_size + 1))
            items = [self._live.get(id_) or self._dead[id_] for _, id_ in window[:page_size]]
            has_more = len(window) > page_size
            last = window[page_size - 1] if has_more else None
            return PageResult(items, total, encode_cursor(last) if last else None)
        # A filter forces a scan for `total`; the page itself still starts at the cursor's position.
        seek = keys.bisect_right(decode_cursor(cursor)) if cursor is not None else start
        total = 0
        items: list[dict] = []
        last: Key | None = None
        has_more = False
        for position, key in enumerate(keys.islice(start), start):
            item = match(key[1])
            if item is None:
                continue
            total += 1
            if position < seek:
                continue
            if len(items) < page_size:
                items.append(item)
                last = key
            else:
                has_more = True
        return PageResult(items, total, encode_cursor(last) if has_more and last else None)

    def _offset_page(self, page, page_size, include_deleted, since, where, match) -> PageResult:
        ids = self._all_ids if include_deleted else self._live_ids
        offset = (page - 1) * page_size
        if since is None and where is None:
            chosen = ids[offset : offset + page_size]
            items = [self._live.get(id_) or self._dead[id_] for id_ in chosen]
            return PageResult(items, len(ids), None)
        matched = [item for item in map(match, ids) if item is not None]
        return PageResult(matched[offset : offset + page_size], len(matched), None)
