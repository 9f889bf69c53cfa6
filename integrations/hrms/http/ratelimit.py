"""Client-side rate budget per integration: wait for a slot rather than fail.

The budget lives in the `TransportState` (GCRA there, see `state.py`), so all workers of one integration
share it when the state is in Redis. Why not a library: `aiolimiter` is in-memory only; `limits` offers
window counters (no rate-plus-burst bucket), makes the caller poll for the next slot, defaults to coredis for
async Redis, and could not hold the 429 pause or the breaker, which need the same shared store anyway;
`pyrate-limiter` keeps a sorted-set log per bucket (memory grows with the rate) and has no pause either.
One GCRA number per integration, in one Lua script, answers "go now" or "wait exactly this long".
"""

from __future__ import annotations

import asyncio

from ..errors import RateLimited
from .retry import Sleep
from .state import BreakerDecision, TransportState


class RateLimiter:
    def __init__(
        self,
        state: TransportState,
        key: str,
        *,
        rate: float,
        burst: int,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.state, self.key, self.rate, self.burst, self.sleep = state, key, rate, burst, sleep

    async def acquire(self, *, max_wait: float | None = None) -> float:
        """Wait until the shared budget grants a slot and take it; return the seconds waited.

        Raises RateLimited (with `retry_after`) instead of waiting past `max_wait` — the request's
        remaining deadline — so a long pause fails fast with the time to come back.
        """
        waited = 0.0
        while True:
            wait = await self.state.acquire_slot(self.key, rate=self.rate, burst=self.burst)
            if wait <= 0:
                return waited
            if max_wait is not None and waited + wait > max_wait:
                raise RateLimited(
                    f"rate budget of integration {self.key!r} has no slot within the deadline", retry_after=wait
                )
            await self.sleep(wait)
            waited += wait

    async def admit(self, *, probe_lease: float, max_wait: float | None = None) -> BreakerDecision:
        """Like `acquire`, and the circuit breaker's verdict with the slot, in one step of the shared state
        (`TransportState.admit`): one round trip to Redis per request instead of two."""
        waited = 0.0
        while True:
            admission = await self.state.admit(self.key, rate=self.rate, burst=self.burst, probe_lease=probe_lease)
            if admission.decision is not None:
                return admission.decision
            if max_wait is not None and waited + admission.wait > max_wait:
                raise RateLimited(
                    f"rate budget of integration {self.key!r} has no slot within the deadline",
                    retry_after=admission.wait,
                )
            await self.sleep(admission.wait)
            waited += admission.wait

    async def pause(self, seconds: float) -> None:
        """Stop every worker of this integration for `seconds` (the HRMS answered 429 with Retry-After)."""
        await self.state.pause(self.key, seconds, rate=self.rate, burst=self.burst)
