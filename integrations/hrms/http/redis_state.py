"""`TransportState` in Redis, so every Celery worker shares one rate budget and one breaker per integration.

Each primitive is one Lua script: Redis runs a script atomically, so two workers can never both take the
last slot or both become the half-open probe, and no WATCH/retry loop is needed. Time is Redis's own
`TIME`, not the workers' clocks, so skew between worker hosts cannot hand out extra slots.

The scripts mirror `MemoryTransportState` line for line; the contract tests run the same cases on both.
Keys: `<prefix><integration_key>:rate` (a string, the GCRA theoretical arrival time) and
`<prefix><integration_key>:breaker` (a hash), the prefix starting with the deployment's Redis prefix
(`HARVEY_CACHE_PREFIX`), so two deployments on one Redis never share a breaker. Both expire when idle.

One client per process, whatever the event loop. redis-py's asyncio client is bound to the loop that
opened its connections, and a Celery task that bridges to async code runs a new loop per call; a client per
loop would open a connection per run and, kept in a map, never free one (7,000 connections after 1,000
organizations' runs). Built from a URL, this store therefore runs its client on an event loop thread of
its own, started on first use in each process (after a fork, again), and every primitive hops there and
back. Given a client, it uses that client as is, on the caller's loop (the caller owns both).

Redis unreachable is not the HRMS failing: the store then answers from a process-local
`MemoryTransportState` (so a run goes on, its budget and breaker kept per process) and tries Redis again
after `RETRY_AFTER_SECONDS`, logging once per outage.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from string import Template
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from .state import Admission, BreakerDecision, BreakerTransition, MemoryTransportState, TransportState

log = logging.getLogger("hrms.http")
T = TypeVar("T")
DEFAULT_PREFIX = "hrms:transport:"
#: After Redis failed, how long the store keeps to its local state before trying Redis again.
RETRY_AFTER_SECONDS = 5.0
#: Redis sits next to the workers: a second to connect is plenty, and an outage must not stall a run.
CONNECT_TIMEOUT_SECONDS = 1.0
COMMAND_TIMEOUT_SECONDS = 2.0

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

# Fragments shared by the scripts ($names are filled in per script: which KEYS/ARGV slot, what to return).
# Take one rate slot from the GCRA number in KEYS[$rate], or return $on_wait with `over` seconds to wait.
_SLOT = Template(
    """
local interval = tonumber(ARGV[$interval])
local burst = tonumber(ARGV[$burst])
local tat = tonumber(redis.call('GET', KEYS[$rate]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local over = new_tat - now - burst * interval
if over > 0.000001 then return $on_wait end
redis.call('SET', KEYS[$rate], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
"""
)
# The breaker's verdict from the hash KEYS[$breaker]: {verdict, reopens in, cause, failures so far}; the
# half-open probe's lease is ARGV[$lease] seconds, the hash's idle expiry ARGV[$ttl].
_VERDICT = Template(
    """
local h = redis.call('HMGET', KEYS[$breaker], 'state', 'opened_until', 'probe_until', 'failures')
local state = h[1] or 'closed'
if state == 'closed' then return {'allow', '0', '', tonumber(h[4] or '0')} end
local cause = redis.call('HGET', KEYS[$breaker], 'cause') or ''
if state == 'open' and now < tonumber(h[2]) then
  return {'refuse', string.format('%.6f', tonumber(h[2]) - now), cause, 0}
end
if state == 'half_open' and now < tonumber(h[3]) then
  return {'refuse', string.format('%.6f', tonumber(h[3]) - now), cause, 0}
end
local probe_until = string.format('%.6f', now + tonumber(ARGV[$lease]))
redis.call('HSET', KEYS[$breaker], 'state', 'half_open', 'probe_until', probe_until)
redis.call('EXPIRE', KEYS[$breaker], tonumber(ARGV[$ttl]))
return {'probe', '0', '', 0}
"""
)

# acquire_slot. KEYS: rate. ARGV: interval, burst. Returns the seconds to wait ('0': slot taken).
_ACQUIRE = _NOW + _SLOT.substitute(rate=1, interval=1, burst=2, on_wait="string.format('%.6f', over)") + "return '0'\n"

_PAUSE = (
    _NOW
    + """
local target = now + tonumber(ARGV[1]) + (tonumber(ARGV[3]) - 1) * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if target > tat then
  redis.call('SET', KEYS[1], string.format('%.6f', target), 'PX', math.ceil((target - now) * 1000) + 1000)
end
return 1
"""
)

# breaker_before_call. KEYS: breaker. ARGV: probe lease, ttl.
_BEFORE_CALL = _NOW + _VERDICT.substitute(breaker=1, lease=1, ttl=2)

# admit: a rate slot, then the breaker's verdict, in one round trip. KEYS: rate, breaker. ARGV: interval,
# burst, probe lease, ttl. No slot: {'wait', seconds, '', 0} (and no breaker decision, no probe lease taken).
_ADMIT = (
    _NOW
    + _SLOT.substitute(rate=1, interval=1, burst=2, on_wait="{'wait', string.format('%.6f', over), '', 0}")
    + _VERDICT.substitute(breaker=2, lease=3, ttl=4)
)

_RECORD = (
    _NOW
    + """
local success = ARGV[1] == '1'
local probe = ARGV[2] == '1'
local threshold = tonumber(ARGV[3])
local cool_down = tonumber(ARGV[4])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local before = state
if success then
  if state == 'closed' or (state == 'half_open' and probe) then
    if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0) end
    state = 'closed'
  end
elseif state == 'closed' then
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HSET', KEYS[1], 'state', 'closed')
  if failures >= threshold then
    state = 'open'
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened_until', string.format('%.6f', now + cool_down))
    redis.call('HSET', KEYS[1], 'cause', ARGV[6])
  end
elseif state == 'half_open' and probe then
  state = 'open'
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_until', string.format('%.6f', now + cool_down))
  redis.call('HSET', KEYS[1], 'cause', ARGV[6])
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5])) end
if state == before then return {state, 0} end
return {state, 1}
"""
)

#: Idle breaker state is forgotten after a day: far longer than any cool-down, short enough to clean up.
_BREAKER_TTL_SECONDS = 86_400


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _decision(verdict: Any, reopens_in: Any, cause: Any, failures: Any) -> BreakerDecision:
    if _text(verdict) == "refuse":
        return BreakerDecision(allowed=False, reopens_in=float(_text(reopens_in)), cause=_text(cause))
    return BreakerDecision(allowed=True, probe=_text(verdict) == "probe", failures=int(failures or 0))


def client_name() -> str:
    """How this process's transport connections show in Redis's CLIENT LIST (per process: countable)."""
    return f"harvey-hrms-transport-{os.getpid()}"


class _LoopThread:
    """An event loop running forever on a daemon thread: home of the store's client in this process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), name="hrms-transport-redis", daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(ready.set)
        self.loop.run_forever()

    async def call(self, coroutine: Awaitable[T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))


class RedisTransportState(TransportState):
    def __init__(self, redis: str | aioredis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self._url = redis if isinstance(redis, str) else None
        self._given = None if isinstance(redis, str) else redis
        self._lock = threading.Lock()
        self._home: _LoopThread | None = None
        self._client_: aioredis.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._local = MemoryTransportState()
        self._down_until = 0.0  # time.monotonic() until which Redis is not asked again

    def _owned(self) -> tuple[_LoopThread, aioredis.Redis]:
        """This process's loop thread and client (made again in a forked child: threads do not survive fork)."""
        with self._lock:
            if self._home is None or self._home.pid != os.getpid():
                assert self._url is not None
                self._home = _LoopThread()
                self._client_ = aioredis.Redis.from_url(
                    self._url,
                    decode_responses=True,
                    socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    socket_timeout=COMMAND_TIMEOUT_SECONDS,
                    client_name=client_name(),
                )
                self._scripts = {}
            assert self._client_ is not None
            return self._home, self._client_

    async def _redis(self, call: Callable[[aioredis.Redis], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        """Run `call(client)` on the store's client, or `fallback()` on the local state while Redis is down."""
        if time.monotonic() < self._down_until:
            return await fallback()
        try:
            if self._given is not None:
                return await call(self._given)
            home, client = self._owned()
            return await home.call(call(client))
        except (RedisError, OSError) as e:
            if time.monotonic() >= self._down_until:
                log.warning(
                    "hrms.transport.shared_state_unavailable",
                    extra={"error": f"{type(e).__name__}: {e}"[:200], "retry_in": RETRY_AFTER_SECONDS},
                )
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return await fallback()

    async def _run(self, client: aioredis.Redis, name: str, source: str, keys: list[str], args: list[Any]) -> Any:
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = client.register_script(source)
        return await script(keys=keys, args=args, client=client)

    def _key(self, integration_key: str, kind: str) -> str:
        return f"{self.prefix}{integration_key}:{kind}"

    async def acquire_slot(self, key: str, *, rate: float, burst: int) -> float:
        async def shared(client: aioredis.Redis) -> float:
            wait = await self._run(client, "acquire", _ACQUIRE, [self._key(key, "rate")], [1.0 / rate, burst])
            return float(_text(wait))

        return await self._redis(shared, lambda: self._local.acquire_slot(key, rate=rate, burst=burst))

    async def pause(self, key: str, seconds: float, *, rate: float, burst: int) -> None:
        async def shared(client: aioredis.Redis) -> None:
            await self._run(client, "pause", _PAUSE, [self._key(key, "rate")], [max(seconds, 0.0), 1.0 / rate, burst])

        await self._redis(shared, lambda: self._local.pause(key, seconds, rate=rate, burst=burst))

    async def breaker_before_call(self, key: str, *, probe_lease: float) -> BreakerDecision:
        async def shared(client: aioredis.Redis) -> BreakerDecision:
            answer = await self._run(
                client, "before", _BEFORE_CALL, [self._key(key, "breaker")], [probe_lease, _BREAKER_TTL_SECONDS]
            )
            return _decision(*answer)

        return await self._redis(shared, lambda: self._local.breaker_before_call(key, probe_lease=probe_lease))

    async def admit(self, key: str, *, rate: float, burst: int, probe_lease: float) -> Admission:
        async def shared(client: aioredis.Redis) -> Admission:
            verdict, seconds, cause, failures = await self._run(
                client,
                "admit",
                _ADMIT,
                [self._key(key, "rate"), self._key(key, "breaker")],
                [1.0 / rate, burst, probe_lease, _BREAKER_TTL_SECONDS],
            )
            if _text(verdict) == "wait":
                return Admission(wait=float(_text(seconds)))
            return Admission(wait=0.0, decision=_decision(verdict, seconds, cause, failures))

        return await self._redis(
            shared, lambda: self._local.admit(key, rate=rate, burst=burst, probe_lease=probe_lease)
        )

    async def breaker_record(
        self, key: str, *, success: bool, probe: bool, threshold: int, cool_down: float, cause: str = ""
    ) -> BreakerTransition:
        async def shared(client: aioredis.Redis) -> BreakerTransition:
            state, changed = await self._run(
                client,
                "record",
                _RECORD,
                [self._key(key, "breaker")],
                [int(success), int(probe), threshold, cool_down, _BREAKER_TTL_SECONDS, cause],
            )
            return BreakerTransition(state=_text(state), changed=bool(int(changed)))

        return await self._redis(
            shared,
            lambda: self._local.breaker_record(
                key, success=success, probe=probe, threshold=threshold, cool_down=cool_down, cause=cause
            ),
        )

    async def breaker_state(self, key: str) -> str:
        async def shared(client: aioredis.Redis) -> str:
            state = await client.hget(self._key(key, "breaker"), "state")
            return _text(state) if state is not None else "closed"

        return await self._redis(shared, lambda: self._local.breaker_state(key))

    async def reset(self, key: str) -> None:
        async def shared(client: aioredis.Redis) -> None:
            await client.delete(self._key(key, "rate"), self._key(key, "breaker"))

        await self._local.reset(key)
        await self._redis(shared, lambda: self._local.reset(key))

    async def aclose(self) -> None:
        """Close the client this store opened and stop its loop thread (a given client belongs to the caller)."""
        with self._lock:
            home, client, self._home, self._client_ = self._home, self._client_, None, None
        if home is None or client is None or home.pid != os.getpid():
            return
        await home.call(client.aclose())
        home.loop.call_soon_threadsafe(home.loop.stop)
        home.thread.join(timeout=5)
        home.loop.close()
