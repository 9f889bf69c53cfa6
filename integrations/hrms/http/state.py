"""Where the rate budget and the circuit breaker of each integration live.

The transport never keeps this state in its own attributes: it asks a `TransportState`, keyed by
`integration_key`. In one process the `MemoryTransportState` is enough; with several Celery workers the
`RedisTransportState` (see `redis_state.py`) makes every worker share one budget and one breaker per
integration, so ten workers do not each send 10 requests per second, and one worker's 429 or dead HRMS
stops all of them.

Every primitive is one atomic step (a Lua script in Redis, a lock here) so that two workers can never both
take the last token or both become the half-open probe. Django's cache-backend rule applies: the abstract
base names the handful of primitives, the rate limiter and breaker build their behaviour on top of them.

Rate budget: GCRA (the "generic cell rate algorithm", a token bucket kept as one number — the theoretical
arrival time `tat` of the next request). `burst` requests may go at once, then one every `1/rate` seconds.
A pause (after a 429) pushes `tat` past the pause so that, when it ends, requests resume one at a time
instead of as a burst that would be throttled again.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

#: Waits shorter than a microsecond count as none: float rounding must not make a caller sleep 1e-14 s in a
#: loop (on a fake clock, adding that to the time may not even change it).
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class BreakerDecision:
    """May this call go to the HRMS? `probe` marks the single half-open trial call; when refused,
    `reopens_in` says how many seconds until a call may be tried again."""

    allowed: bool
    probe: bool = False
    reopens_in: float = 0.0
    #: When refused: why the breaker opened (the failure that tripped it), for the error an admin reads.
    cause: str = ""
    #: When allowed and closed: the consecutive failures so far. 0 means a success has nothing to reset,
    #: so the breaker need not record it (one round trip to Redis less per healthy request).
    failures: int = 0


@dataclass(frozen=True)
class Admission:
    """May a request go now? `wait` > 0: no rate slot yet (none taken), ask again in `wait` seconds;
    otherwise a slot was taken and `decision` is the breaker's verdict."""

    wait: float
    decision: BreakerDecision | None = None


@dataclass(frozen=True)
class BreakerTransition:
    """The breaker state after a recorded outcome, and whether this outcome changed it."""

    state: str
    changed: bool


class TransportState(ABC):
    """Shared, atomic state for the transport of every integration. Keys are integration keys."""

    @abstractmethod
    async def acquire_slot(self, key: str, *, rate: float, burst: int) -> float:
        """Take one request slot if the budget has one now and return 0.0; otherwise take nothing and
        return the seconds to wait before asking again."""

    @abstractmethod
    async def pause(self, key: str, seconds: float, *, rate: float, burst: int) -> None:
        """Grant no slot for `seconds` (the HRMS said Retry-After). Never shortens a longer pause."""

    @abstractmethod
    async def breaker_before_call(self, key: str, *, probe_lease: float) -> BreakerDecision:
        """Decide whether a call may proceed. When an open breaker's cool-down is over, exactly one caller
        gets `probe=True` and holds it for `probe_lease` seconds; the others are refused meanwhile."""

    @abstractmethod
    async def breaker_record(
        self, key: str, *, success: bool, probe: bool, threshold: int, cool_down: float, cause: str = ""
    ) -> BreakerTransition:
        """Record a call's outcome: a success resets the failure count (and closes after a probe); the
        `threshold`-th consecutive failure, or a failed probe, opens the breaker for `cool_down` seconds and
        remembers `cause` (the failure's message), which refusals then carry."""

    @abstractmethod
    async def breaker_state(self, key: str) -> str:
        """`closed`, `open` or `half_open` — for status pages and tests."""

    async def admit(self, key: str, *, rate: float, burst: int, probe_lease: float) -> Admission:
        """A rate slot, then the breaker's verdict, for one request: what `acquire_slot` and
        `breaker_before_call` say one after the other. A store that can do both in one step (one round trip)
        overrides this; it must keep the order: no slot, no breaker decision."""
        wait = await self.acquire_slot(key, rate=rate, burst=burst)
        if wait > 0:
            return Admission(wait=wait)
        return Admission(wait=0.0, decision=await self.breaker_before_call(key, probe_lease=probe_lease))

    async def reset(self, key: str) -> None:  # noqa: B027 - optional: stores without admin reset keep it
        """Forget everything about one integration (used when an admin fixes its configuration)."""

    async def aclose(self) -> None:  # noqa: B027 - a real no-op default for stores without connections
        """Release connections held by the store."""


@dataclass
class _Breaker:
    state: str = CLOSED
    failures: int = 0
    opened_until: float = 0.0
    probe_until: float = 0.0
    cause: str = ""


class MemoryTransportState(TransportState):
    """State for one process. `clock` is injectable (monotonic seconds) so tests can move time by hand.

    A threading lock makes each primitive atomic even when several event loops (threads) share the store.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}
        self._breakers: dict[str, _Breaker] = {}

    async def acquire_slot(self, key: str, *, rate: float, burst: int) -> float:
        interval = 1.0 / rate
        with self._lock:
            now = self._clock()
            new_tat = max(self._tat.get(key, now), now) + interval
            over = new_tat - now - burst * interval
            if over > _TOLERANCE:
                return over
            self._tat[key] = new_tat
            return 0.0

    async def pause(self, key: str, seconds: float, *, rate: float, burst: int) -> None:
        interval = 1.0 / rate
        with self._lock:
            target = self._clock() + seconds + (burst - 1) * interval
            if target > self._tat.get(key, 0.0):
                self._tat[key] = target

    async def breaker_before_call(self, key: str, *, probe_lease: float) -> BreakerDecision:
        with self._lock:
            now = self._clock()
            b = self._breakers.get(key)
            if b is None or b.state == CLOSED:
                return BreakerDecision(allowed=True, failures=b.failures if b else 0)
            if b.state == OPEN and now < b.opened_until:
                return BreakerDecision(allowed=False, reopens_in=b.opened_until - now, cause=b.cause)
            if b.state == HALF_OPEN and now < b.probe_until:
                return BreakerDecision(allowed=False, reopens_in=b.probe_until - now, cause=b.cause)
            b.state, b.probe_until = HALF_OPEN, now + probe_lease
            return BreakerDecision(allowed=True, probe=True)

    async def breaker_record(
        self, key: str, *, success: bool, probe: bool, threshold: int, cool_down: float, cause: str = ""
    ) -> BreakerTransition:
        with self._lock:
            now = self._clock()
            b = self._breakers.setdefault(key, _Breaker())
            before = b.state
            if success:
                if b.state == CLOSED or (b.state == HALF_OPEN and probe):
                    b.state, b.failures = CLOSED, 0
            elif b.state == CLOSED:
                b.failures += 1
                if b.failures >= threshold:
                    b.state, b.opened_until, b.cause = OPEN, now + cool_down, cause
            elif b.state == HALF_OPEN and probe:
                b.state, b.opened_until, b.cause = OPEN, now + cool_down, cause
            return BreakerTransition(state=b.state, changed=b.state != before)

    async def breaker_state(self, key: str) -> str:
        with self._lock:
            b = self._breakers.get(key)
            return b.state if b else CLOSED

    async def reset(self, key: str) -> None:
        with self._lock:
            self._tat.pop(key, None)
            self._breakers.pop(key, None)


_process_state: dict[str, TransportState] = {}
_process_lock = threading.Lock()


def configured_redis_url() -> str | None:
    """`HRMS_TRANSPORT_REDIS_URL` or `REDIS_URL` from Django settings when Django is configured, else from
    the environment. Django is imported lazily so the transport works in scripts without settings."""
    try:
        from django.conf import settings

        if settings.configured:
            for name in ("HRMS_TRANSPORT_REDIS_URL", "REDIS_URL"):
                value = getattr(settings, name, None)
                if value:
                    return str(value)
    except ImportError:
        pass
    return os.environ.get("HRMS_TRANSPORT_REDIS_URL") or os.environ.get("REDIS_URL") or None


def configured_key_prefix() -> str:
    """The deployment's Redis key prefix (`HARVEY_CACHE_PREFIX`, as the cache's keys), then the transport's."""
    prefix = os.environ.get("HARVEY_CACHE_PREFIX") or "harvey"
    try:
        from django.conf import settings

        if settings.configured:
            prefix = getattr(settings, "HARVEY_CACHE_PREFIX", None) or prefix
    except ImportError:
        pass
    return f"{prefix}:hrms:transport:"


def get_transport_state() -> TransportState:
    """The process-wide store: Redis when a Redis URL is configured (workers share it), memory otherwise.

    One instance per (Redis URL, key prefix) per process, so every client of the same integration in this
    process shares it too.
    """
    url = configured_redis_url()
    prefix = configured_key_prefix()
    cache_key = f"{url}|{prefix}" if url else "memory"
    with _process_lock:
        state = _process_state.get(cache_key)
        if state is None:
            if url:
                from .redis_state import RedisTransportState

                state = RedisTransportState(url, prefix=prefix)
            else:
                state = MemoryTransportState()
            _process_state[cache_key] = state
        return state
