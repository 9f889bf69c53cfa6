"""`TransportState` in Redis, so every Celery worker shares one rate budget and one breaker per integration.

Each primitive is one Lua script: Redis runs a script atomically, so two workers can never both take the
last slot or both become the half-open probe, and no WATCH/retry loop is needed. Time is Redis's own
`TIME`, not the workers' clocks, so skew between worker hosts cannot hand out extra slots.

The scripts mirror `MemoryTransportState` line for line; the contract tests run the same cases on both.
Keys: `<prefix><integration_key>:rate` (a string, the GCRA theoretical arrival time) and
`<prefix><integration_key>:breaker` (a hash). Both expire when idle so abandoned integrations leave no litter.

redis-py's asyncio client is bound to the event loop that opened its connections; Celery tasks that bridge
to async code usually run a fresh loop per task. Built from a URL, this store therefore keeps one client per
running loop. Given a client, it uses that client as is (the caller owns its loop and lifetime).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from .state import BreakerDecision, BreakerTransition, TransportState

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

_ACQUIRE = (
    _NOW
    + """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local over = new_tat - now - burst * interval
if over > 0.000001 then return string.format('%.6f', over) end
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
return '0'
"""
)

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

_BEFORE_CALL = (
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 'state', 'opened_until', 'probe_until')
local state = h[1] or 'closed'
if state == 'closed' then return {'allow', '0'} end
if state == 'open' and now < tonumber(h[2]) then return {'refuse', string.format('%.6f', tonumber(h[2]) - now)} end
if state == 'half_open' and now < tonumber(h[3]) then
  return {'refuse', string.format('%.6f', tonumber(h[3]) - now)}
end
redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe_until', string.format('%.6f', now + tonumber(ARGV[1])))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return {'probe', '0'}
"""
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
  end
elseif state == 'half_open' and probe then
  state = 'open'
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_until', string.format('%.6f', now + cool_down))
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


class RedisTransportState(TransportState):
    def __init__(self, redis: str | aioredis.Redis, *, prefix: str = "hrms:transport:") -> None:
        self.prefix = prefix
        self._url = redis if isinstance(redis, str) else None
        self._given = None if isinstance(redis, str) else redis
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._scripts: dict[str, AsyncScript] = {}

    def _client(self) -> aioredis.Redis:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            assert self._url is not None
            client = aioredis.Redis.from_url(self._url, decode_responses=True)
            self._per_loop[loop] = client
        return client

    async def _run(self, name: str, source: str, keys: list[str], args: list[Any]) -> Any:
        client = self._client()
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = client.register_script(source)
        return await script(keys=keys, args=args, client=client)

    def _key(self, integration_key: str, kind: str) -> str:
        return f"{self.prefix}{integration_key}:{kind}"

    async def acquire_slot(self, key: str, *, rate: float, burst: int) -> float:
        wait = await self._run("acquire", _ACQUIRE, [self._key(key, "rate")], [1.0 / rate, burst])
        return float(_text(wait))

    async def pause(self, key: str, seconds: float, *, rate: float, burst: int) -> None:
        await self._run("pause", _PAUSE, [self._key(key, "rate")], [max(seconds, 0.0), 1.0 / rate, burst])

    async def breaker_before_call(self, key: str, *, probe_lease: float) -> BreakerDecision:
        verdict, reopens_in = await self._run(
            "before", _BEFORE_CALL, [self._key(key, "breaker")], [probe_lease, _BREAKER_TTL_SECONDS]
        )
        verdict = _text(verdict)
        if verdict == "refuse":
            return BreakerDecision(allowed=False, reopens_in=float(_text(reopens_in)))
        return BreakerDecision(allowed=True, probe=verdict == "probe")

    async def breaker_record(
        self, key: str, *, success: bool, probe: bool, threshold: int, cool_down: float
    ) -> BreakerTransition:
        state, changed = await self._run(
            "record",
            _RECORD,
            [self._key(key, "breaker")],
            [int(success), int(probe), threshold, cool_down, _BREAKER_TTL_SECONDS],
        )
        return BreakerTransition(state=_text(state), changed=bool(int(changed)))

    async def breaker_state(self, key: str) -> str:
        state = await self._client().hget(self._key(key, "breaker"), "state")
        return _text(state) if state is not None else "closed"

    async def reset(self, key: str) -> None:
        await self._client().delete(self._key(key, "rate"), self._key(key, "breaker"))

    async def aclose(self) -> None:
        """Close the client this store opened for the running loop (a given client belongs to the caller)."""
        if self._given is not None:
            return
        client = self._per_loop.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
