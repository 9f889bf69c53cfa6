"""The Redis store over a worker's life: one connection per process whatever the event loop, and Redis
being down is not an HRMS error."""

from __future__ import annotations

import asyncio
import logging
import socket

import redis

from integrations.hrms.http.redis_state import RedisTransportState, client_name

from .conftest import redis_url


def _connections_of_this_process() -> int:
    clients = redis.Redis.from_url(redis_url()).client_list()
    return sum(1 for client in clients if client.get("name") == client_name())


def test_a_store_keeps_one_connection_however_many_event_loops_use_it(redis_prefix) -> None:
    others = _connections_of_this_process()  # the process's own store, if a test opened it
    state = RedisTransportState(redis_url(), prefix=redis_prefix)
    try:
        for _ in range(60):  # as a worker's runs do: each bridges to async code in a new event loop
            assert asyncio.run(state.acquire_slot("org", rate=1000, burst=1000)) == 0.0
        assert _connections_of_this_process() - others == 1
    finally:
        asyncio.run(state.aclose())
    assert _connections_of_this_process() == others


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_with_redis_down_the_store_answers_from_local_state(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="hrms.http")
    state = RedisTransportState(f"redis://127.0.0.1:{_dead_port()}/0", prefix="test:down:")
    try:
        assert [await state.acquire_slot("org", rate=1, burst=2) for _ in range(3)][:2] == [0.0, 0.0]
        assert await state.acquire_slot("org", rate=1, burst=2) > 0  # still a budget: a local one
        await state.breaker_record("org", success=False, probe=False, threshold=1, cool_down=60, cause="boom")
        refused = await state.breaker_before_call("org", probe_lease=5)
        assert (refused.allowed, refused.cause) == (False, "boom")
    finally:
        await state.aclose()
    warnings = [r for r in caplog.records if r.getMessage() == "hrms.transport.shared_state_unavailable"]
    assert len(warnings) == 1  # once per outage, not once per call
