"""Circuit breaker per integration, its state in the shared `TransportState`.

closed → open after `threshold` consecutive transient failures (Unavailable: 5xx, timeouts, refused
connections); open refuses calls with `CircuitOpen(reopens_in=...)` without touching the network for
`cool_down` seconds; then half-open lets exactly ONE probe through (across all workers when the state is in
Redis); the probe's success closes the breaker, its failure re-opens it for another cool-down.

An answer that proves the HRMS is up — auth errors, 404, 409, validation errors, even a 429 (the rate
limiter handles that) — counts as a success: those are not outages, and letting them open the breaker would
turn one bad credential into a blackout for the whole integration.

Why not a library: `pybreaker` is synchronous at heart (its Redis storage is sync and its async path needs
Tornado); `purgatory` is async with a Redis store, but reads and writes state in separate commands (two
workers can both flip it) and lets every caller through while half-open. The rule is small; the hard part
is the atomic shared state, which `TransportState` already provides.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..errors import CircuitOpen, HRMSError, Unavailable
from .events import log_event
from .state import OPEN, BreakerDecision, TransportState


def counts_as_failure(exc: BaseException) -> bool:
    return isinstance(exc, Unavailable) and not isinstance(exc, CircuitOpen)


class CircuitBreaker:
    def __init__(
        self, state: TransportState, key: str, *, threshold: int, cool_down: float, probe_lease: float
    ) -> None:
        self.state, self.key = state, key
        self.threshold, self.cool_down, self.probe_lease = threshold, cool_down, probe_lease

    async def admit(self) -> BreakerDecision:
        """Let the call through, or raise CircuitOpen saying when to try again."""
        return self.check(await self.state.breaker_before_call(self.key, probe_lease=self.probe_lease))

    def check(self, decision: BreakerDecision) -> BreakerDecision:
        """The decision, or CircuitOpen (its cause first) when it refuses the call."""
        if not decision.allowed:
            log_event("hrms.http.circuit_open", integration=self.key, reopens_in=round(decision.reopens_in, 3))
            cause = decision.cause or "the HRMS kept failing"
            raise CircuitOpen(
                f"{cause}. After {self.threshold} such failures in a row Harvey stopped calling this HRMS for "
                f"{self.cool_down:.0f} s (circuit breaker); the next try is in {decision.reopens_in:.1f} s",
                reopens_in=decision.reopens_in,
                cause=cause,
            )
        return decision

    async def record(self, decision: BreakerDecision, exc: BaseException | None) -> None:
        """Record the outcome of an admitted call. Errors outside the tree (a cancellation, a bug) record
        nothing: a probe interrupted that way is released when its lease expires."""
        if exc is not None and not isinstance(exc, HRMSError):
            return
        failed = exc is not None and counts_as_failure(exc)
        if not failed and not decision.probe and decision.failures == 0:
            return  # a closed breaker with no failures: a success changes nothing
        transition = await self.state.breaker_record(
            self.key,
            success=not failed,
            probe=decision.probe,
            threshold=self.threshold,
            cool_down=self.cool_down,
            cause=exc.message[:300] if failed and isinstance(exc, HRMSError) else "",
        )
        if transition.changed and transition.state == OPEN:
            log_event(
                "hrms.http.circuit_open",
                logging.WARNING,
                integration=self.key,
                transition="opened",
                cool_down=self.cool_down,
                cause=getattr(exc, "code", None),
            )

    @asynccontextmanager
    async def guard(self, decision: BreakerDecision | None = None) -> AsyncIterator[BreakerDecision]:
        """`async with breaker.guard():` around one call to the HRMS (admitted here, or by the rate limiter's
        `admit`, which asks for a slot and the breaker's verdict in one step)."""
        decision = self.check(decision) if decision is not None else await self.admit()
        try:
            yield decision
        except BaseException as exc:
            await self.record(decision, exc)
            raise
        await self.record(decision, None)
