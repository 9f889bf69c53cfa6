"""How hard the shared transport may push one HRMS: timeouts, retries, rate budget, circuit breaker.

One frozen dataclass so a vendor adapter overrides only what its vendor documents (BambooHR's lower rate,
Workday's slow reports) with `dataclasses.replace(DEFAULT_POLICY, ...)`, and everything else stays sane.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class TransportPolicy:
    # --- timeouts (seconds) and the connection pool
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    pool_timeout: float = 10.0
    max_connections: int = 20
    max_keepalive_connections: int = 10
    keepalive_expiry: float = 30.0

    # --- retries: capped exponential backoff with full jitter, bounded by attempts and a total deadline
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    deadline: float = 120.0

    # --- client-side rate budget per integration (shared by all workers when the state is in Redis)
    rate_per_second: float = 10.0
    burst: int = 20

    # --- circuit breaker per integration
    breaker_threshold: int = 5
    breaker_cool_down: float = 30.0
    #: How long a half-open probe may hold its lease before another worker may probe (a crashed prober
    #: must not keep the circuit half-open forever).
    breaker_probe_lease: float = 40.0

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0 or self.burst < 1:
            raise ValueError("rate_per_second must be > 0 and burst >= 1")
        if self.max_retries < 0 or self.breaker_threshold < 1:
            raise ValueError("max_retries must be >= 0 and breaker_threshold >= 1")

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout, read=self.read_timeout, write=self.write_timeout, pool=self.pool_timeout
        )

    def limits(self) -> httpx.Limits:
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )


DEFAULT_POLICY = TransportPolicy()
