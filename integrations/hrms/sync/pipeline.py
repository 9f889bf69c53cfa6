"""Overlap fetching with writing, in bounded memory.

A producer task reads pages from the adapter into a small queue while the consumer writes the previous
page to the database (in a worker thread, since the ORM is synchronous). At most `prefetch` pages wait in
memory, so an organization of any size streams through a worker of constant size.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


async def prefetched(source: AsyncIterator[T], prefetch: int = 2) -> AsyncIterator[T]:
    """Yield `source`'s items while up to `prefetch` further items are already being fetched.

    An exception in the producer is re-raised to the consumer at the point it happened; closing the
    consumer early cancels the producer.
    """
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max(prefetch, 1))

    async def produce() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except BaseException as e:  # handed to the consumer, re-raised there
            await queue.put(_Failure(e))
        else:
            await queue.put(_DONE)

    task = asyncio.create_task(produce())
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
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
