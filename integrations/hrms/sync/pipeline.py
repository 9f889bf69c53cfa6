"""Overlap fetching, preparing and writing, in bounded memory.

A run is three stages that work at the same time on consecutive pages: the event loop fetches and validates
page N+2, a preparing thread turns page N+1 into COPY data (`BatchPreparer`), and the run's own thread writes
page N — or every page already prepared (`grouped`) — in one transaction. Each hand-over is a small queue, so
at most a few pages wait in memory and an organization of any size streams through a worker of constant
size.

Why a thread of its own for preparing: the transaction's thread spends most of a page waiting for
PostgreSQL, and any Python work it does itself (building rows, formatting them for COPY) delays the next
COPY by that much; PostgreSQL's work is the floor of a run, so the writer should do nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

from harvey.replica.upsert import PreparedBatch, ReplicaWriter

from ..base import RecordPage

T = TypeVar("T")
Prepared = tuple[RecordPage, PreparedBatch | None]


def newest_change(group: list[Prepared]) -> dt.datetime | None:
    """The latest `updated_at` among a group's records and tombstones: what its checkpoint records."""
    return max(
        (r.updated_at for page, _ in group for r in (*page.records, *page.tombstones) if r.updated_at), default=None
    )


_DONE = object()


async def prefetched(source: AsyncIterator[T], prefetch: int = 2) -> AsyncIterator[T]:
    """Yield `source`'s items while up to `prefetch` further items are already being fetched.

    An exception in the producer is re-raised to the consumer at the point it happened; closing the
    consumer early cancels the producer.
    """
    groups = grouped(source, prefetch=prefetch, most=1)
    try:
        async for group in groups:
            yield group[0]
    finally:
        await groups.aclose()


async def grouped(source: AsyncIterator[T], prefetch: int = 4, most: int = 4) -> AsyncIterator[list[T]]:
    """Like `prefetched`, but yield every item that is already waiting (at least one, at most `most`).

    A consumer slower than its producer then takes several items per turn, so whatever it pays per turn
    (for the sync: a transaction, its checkpoint and its round trips) is paid less often exactly when it is
    the bottleneck; a faster consumer still takes them one by one, as soon as each arrives.
    """
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max(prefetch, most, 1))

    async def produce() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except asyncio.CancelledError:
            raise  # the consumer is gone: nobody would take a failure from the (maybe full) queue
        except BaseException as e:  # handed to the consumer, re-raised there
            await queue.put(_Failure(e))
        else:
            await queue.put(_DONE)

    task = asyncio.create_task(produce())
    try:
        ended: object = None
        while ended is None:
            group: list[T] = []
            item = await queue.get()
            while True:
                if item is _DONE or isinstance(item, _Failure):
                    ended = item
                    break
                group.append(item)  # type: ignore[arg-type]
                if len(group) >= most or queue.empty():
                    break
                item = queue.get_nowait()
            if group:
                yield group
        if isinstance(ended, _Failure):
            raise ended.error
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class BatchPreparer:
    """Prepares each page's write (`ReplicaWriter.prepare_records`) on one thread of its own, ahead of the
    page's transaction; that thread has its own database connection, closed when the run ends.

    The first page is left to the transaction's thread (its batch is None): a run of one page — most
    incremental runs — then starts no thread and opens no second connection, and the first page is not
    waiting for either to start.
    """

    def __init__(self, writer: ReplicaWriter) -> None:
        self.writer = writer
        self._executor: ThreadPoolExecutor | None = None

    async def prepared(self, pages: AsyncIterator[RecordPage]) -> AsyncIterator[Prepared]:
        loop = asyncio.get_running_loop()
        first = True
        try:
            async for page in pages:
                batch = None
                if page.records and not first:
                    if self._executor is None:
                        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hrms-sync-prepare")
                    batch = await loop.run_in_executor(self._executor, self.writer.prepare_records, page.records)
                first = False
                yield page, batch
        finally:
            aclose = getattr(pages, "aclose", None)
            if aclose is not None:
                await aclose()

    async def aclose(self) -> None:
        if self._executor is None:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, connections.close_all)
        finally:
            self._executor.shutdown(wait=True)
