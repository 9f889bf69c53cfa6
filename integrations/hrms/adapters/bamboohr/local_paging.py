"""Paging of BambooHR answers that are not paged (reports, tables, time off, jobs): cut locally, resumable.

BambooHR ids are numeric strings, so items are kept in numeric id order and a page's cursor is the id of its
last item; resuming re-reads the (one-request) answer and skips up to that id. A page sorts its items into
records, tombstones and invalid records like `mapping.build_page`, but from one mapper that may return either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hrmodel import canonical as c
from integrations.hrms.base import RecordPage
from integrations.hrms.errors import InvalidRecord

PAGE_SIZE = 500


def id_order(value: object) -> tuple[int, str]:
    """BambooHR ids are numeric strings: order numerically, anything else after them."""
    text = str(value)
    return (int(text), "") if text.isdigit() else (1 << 62, text)


def convert_page(entity: str, items: Iterable[Any], convert: Callable[[Any], Any]) -> RecordPage:
    page: RecordPage = RecordPage(entity)
    for item in items:
        page.fetched += 1
        try:
            record = convert(item)
        except InvalidRecord as e:
            page.invalid.append(e)
            continue
        (page.tombstones if isinstance(record, c.Tombstone) else page.records).append(record)
    return page


def pages(
    entity: str, items: Sequence[Any], convert: Callable[[Any], Any], *, cursor: str | None, size: int | None
) -> Iterable[RecordPage]:
    """Cut an unpaged answer (already in id order) into pages; the cursor is the last id of a page."""
    size = max(1, min(size or PAGE_SIZE, PAGE_SIZE))

    def key(item: Any) -> tuple[int, str]:
        raw = item[1] if isinstance(item, tuple) else item
        return id_order(raw.get("id"))

    start = 0
    if cursor:
        mark = id_order(cursor)
        start = next((i for i, item in enumerate(items) if key(item) > mark), len(items))
    if start >= len(items):
        yield RecordPage(entity)
        return
    for offset in range(start, len(items), size):
        chunk = items[offset : offset + size]
        page = convert_page(entity, chunk, convert)
        last = chunk[-1][1] if isinstance(chunk[-1], tuple) else chunk[-1]
        page.cursor = None if offset + size >= len(items) else str(last.get("id"))
        yield page
