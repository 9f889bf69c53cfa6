"""Fixtures for the transport tests: a fake clock that sleeps instantly, scripted HTTP, a real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from integrations.hrms.http import HRMSHttpClient, MemoryTransportState, TransportPolicy
from integrations.hrms.http.redis_state import RedisTransportState

BASE_URL = "https://hrms.example.test/api/v1"


class FakeClock:
    """Monotonic time that only moves when someone sleeps: retries, waits and cool-downs run instantly."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Script:
    """An `httpx.MockTransport` handler answering from a list: responses, or exceptions to raise.

    The last entry repeats once the list is used up; every request is recorded.
    """

    def __init__(self, answers: Iterable[httpx.Response | Exception | int]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return httpx.Response(answer, json={"ok": answer < 400})
        return answer

    @property
    def calls(self) -> int:
        return len(self.requests)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> MemoryTransportState:
    return MemoryTransportState(clock=clock.monotonic)


@pytest.fixture
async def make_client(clock: FakeClock, state: MemoryTransportState) -> AsyncIterator[Callable[..., HRMSHttpClient]]:
    """Build clients on the fake clock; every client made is closed after the test."""
    made: list[HRMSHttpClient] = []

    def make(script: Script, *, policy: TransportPolicy | None = None, **kw: Any) -> HRMSHttpClient:
        kw.setdefault("state", state)
        kw.setdefault("integration_key", "org-1")
        client = HRMSHttpClient(
            BASE_URL,
            policy=policy or TransportPolicy(),
            transport=httpx.MockTransport(script),
            sleep=clock.sleep,
            clock=clock.monotonic,
            rng=lambda: 1.0,
            **kw,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    """The real Redis. Missing Redis fails the test when HARVEY_REQUIRE_SERVICES=1 (CI), else skips it."""
    client = aioredis.Redis.from_url(redis_url(), decode_responses=True)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError) as e:
        await client.aclose()
        if os.environ.get("HARVEY_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required (HARVEY_REQUIRE_SERVICES=1) but not reachable at {redis_url()}: {e}")
        pytest.skip(f"Redis not reachable at {redis_url()}")
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: aioredis.Redis) -> AsyncIterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards."""
    prefix = f"test:hrms:transport:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture
def redis_state(redis_client: aioredis.Redis, redis_prefix: str) -> RedisTransportState:
    return RedisTransportState(redis_client, prefix=redis_prefix)
