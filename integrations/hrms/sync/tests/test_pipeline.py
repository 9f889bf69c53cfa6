"""The run's stages hand pages over in order, pass a failure on, and stop cleanly when the consumer stops."""

from __future__ import annotations

import asyncio
import threading

import pytest

from integrations.hrms.sync.pipeline import prefetched


async def numbers(count: int, fail_at: int | None = None):
    for n in range(count):
        if n == fail_at:
            raise RuntimeError(f"source failed at {n}")
        yield n
        await asyncio.sleep(0)


def run(coroutine, timeout: float = 10):
    """asyncio.run in a thread of its own, so that a hang (also in the loop's shutdown) fails the test."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as e:
            outcome["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"the event loop did not finish within {timeout} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_items_arrive_in_order_through_stacked_stages():
    async def collect():
        return [n async for n in prefetched(prefetched(numbers(50), prefetch=2), prefetch=3)]

    assert run(collect()) == list(range(50))


def test_a_source_failure_reaches_the_consumer_after_the_items_before_it():
    seen = []

    async def consume():
        async for n in prefetched(numbers(10, fail_at=6)):
            seen.append(n)

    with pytest.raises(RuntimeError, match="failed at 6"):
        run(consume())
    assert seen == [0, 1, 2, 3, 4, 5]


def test_a_consumer_that_stops_early_leaves_no_producer_behind():
    """The producer is blocked on a full queue when the consumer goes: it must be cancelled, not left waiting
    to hand over its cancellation (which once hung the event loop's shutdown for good)."""
    closed = []

    async def source():
        try:
            for n in range(1000):
                yield n
        finally:
            closed.append(True)

    async def consume_one():
        stages = prefetched(prefetched(source(), prefetch=1), prefetch=1)
        async for n in stages:
            await asyncio.sleep(0.01)  # let both producers fill their queues and block
            await stages.aclose()
            return n

    async def main():
        before = asyncio.all_tasks()
        first = await consume_one()
        await asyncio.sleep(0)
        return first, [task for task in asyncio.all_tasks() - before if not task.done()]

    first, others = run(main())
    assert first == 0
    assert others == []
    assert closed == [True]
