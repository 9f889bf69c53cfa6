"""Retry policy on top of tenacity: which errors, how long to wait, when to give up.

- Only errors marked `retryable` in the error tree (RateLimited, Unavailable) are retried; a CircuitOpen is
  not: the breaker exists to stop calls, and the sync engine reschedules the run instead.
- Wait: what the HRMS said (`retry_after` of a 429 or a 503) comes first; otherwise capped exponential
  backoff with full jitter (uniform in [0, min(cap, base·2^(n-1))]), which spreads many workers' retries.
- Give up after `max_attempts` or before a wait would cross the total `deadline`, re-raising the last typed
  error so the caller sees why.

`sleep`, `clock` and `random` are injectable so tests run instantly and deterministically.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from ..errors import CircuitOpen, HRMSError
from .policy import TransportPolicy

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, HRMSError) and exc.retryable and not isinstance(exc, CircuitOpen)


class wait_retry_after_or_backoff(wait_base):  # tenacity names its strategies in snake_case
    """Retry-After when the error carries one, else full-jitter capped exponential backoff."""

    def __init__(self, base: float, cap: float, rng: Callable[[], float] = random.random) -> None:
        self.base, self.cap, self.rng = base, cap, rng

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            return float(hinted)
        ceiling = min(self.cap, self.base * 2 ** (retry_state.attempt_number - 1))
        return self.rng() * ceiling


class stop_before_deadline(stop_base):
    """Stop when the upcoming wait would end past `deadline` seconds after the first attempt started."""

    def __init__(self, deadline: float, clock: Clock) -> None:
        self.deadline, self.clock = deadline, clock
        self.started = clock()

    def remaining(self) -> float:
        return self.deadline - (self.clock() - self.started)

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.upcoming_sleep > self.remaining()


def build_retrying(
    policy: TransportPolicy,
    *,
    retry_allowed: bool,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
    rng: Callable[[], float] = random.random,
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> tuple[AsyncRetrying, stop_before_deadline]:
    """A fresh retrying controller for one logical request, and its deadline (which the rate limiter also
    respects, so waiting for a slot cannot outlast the request's budget)."""
    deadline = stop_before_deadline(policy.deadline, clock)
    attempts = policy.max_attempts if retry_allowed else 1
    retrying = AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(attempts) | deadline,
        wait=wait_retry_after_or_backoff(policy.backoff_base, policy.backoff_cap, rng),
        retry=retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying, deadline
