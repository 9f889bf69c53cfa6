"""Fault injection for the HRMS API: latency, 500/503 errors, 429 rate limits (and, via auth, token expiry).

A test harness sets rules with PUT /_control/faults; this ASGI middleware applies them to /api/ paths only
(the control surface and the OpenAPI document are never faulted). Each rule matches a path — a prefix, or a
glob when it contains `*?[` — and optionally a method. For every request, in rule order, a matching rule:
1. sleeps `latency_ms`;
2. answers 429 with `Retry-After` if its rate limit is hit ("every Nth request" or "more than K requests in
   a window of W seconds");
3. answers `error_status` (500 or 503) with probability `error_rate`, drawn from one RNG seeded by the
   configuration's `seed`, so a test sees the same sequence of failures on every run.
Injected failures happen before the request reaches the application, as a proxy or overloaded server would
fail, so nothing is applied and idempotency keys are not consumed.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_hrms.api.errors import error_body

FAULTED_PREFIX = "/api/"


class RateLimit(BaseModel):
    """Either `every_nth` (every Nth matching request is refused) or `max_requests` per `window_seconds`."""

    model_config = ConfigDict(extra="forbid")

    every_nth: int | None = Field(default=None, ge=1)
    max_requests: int | None = Field(default=None, ge=0)
    window_seconds: float = Field(default=1.0, gt=0, le=86_400)
    retry_after_seconds: int | None = Field(
        default=None, ge=0, le=86_400, description="Retry-After to send; default: the rest of the window (or 1)."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> RateLimit:
        if (self.every_nth is None) == (self.max_requests is None):
            raise ValueError("a rate limit needs exactly one of every_nth or max_requests")
        return self


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(default="/api/", min_length=1, description="Path prefix, or a glob if it has * ? or [.")
    method: str | None = Field(default=None, description="HTTP method to match; any when omitted.")
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: Literal[500, 503] = 503
    rate_limit: RateLimit | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if any(ch in self.path for ch in "*?["):
            return fnmatch.fnmatchcase(path, self.path)
        return path.startswith(self.path)


class TokenExpiryConfig(BaseModel):
    """The HRMS token stops working after this many seconds and/or requests (401 token_expired)."""

    model_config = ConfigDict(extra="forbid")

    after_seconds: float | None = Field(default=None, ge=0)
    after_requests: int | None = Field(default=None, ge=0)


class FaultConfig(BaseModel):
    """The whole fault configuration, as PUT /_control/faults takes it and GET /_control/faults shows it."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list, max_length=100)
    token_expiry: TokenExpiryConfig | None = None


@dataclass
class _RuleState:
    """Counters of one rule: requests seen and the current rate-limit window."""

    seen: int = 0
    window_start: float = 0.0
    window_count: int = 0


@dataclass
class FaultVerdict:
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class FaultInjector:
    """The configuration in force plus the RNG and counters it needs to decide deterministically."""

    def __init__(self) -> None:
        self.configure(FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._states = [_RuleState() for _ in config.rules]
        self.injected: dict[int, int] = {}

    def clear(self) -> None:
        self.configure(FaultConfig())

    async def decide(self, method: str, path: str) -> FaultVerdict | None:
        """Apply each matching rule in order; the first refusal wins. Latencies add up."""
        for rule, state in zip(self.config.rules, self._states, strict=True):
            if not rule.matches(method, path):
                continue
            state.seen += 1
            if rule.latency_ms:
                await asyncio.sleep(rule.latency_ms / 1000)
            verdict = self._rate_limited(rule, state) or self._failed(rule)
            if verdict is not None:
                self.injected[verdict.status] = self.injected.get(verdict.status, 0) + 1
                return verdict
        return None

    def _rate_limited(self, rule: FaultRule, state: _RuleState) -> FaultVerdict | None:
        limit = rule.rate_limit
        if limit is None:
            return None
        if limit.every_nth is not None:
            if state.seen % limit.every_nth:
                return None
            retry_after = limit.retry_after_seconds if limit.retry_after_seconds is not None else 1
        else:
            now = time.monotonic()
            if now - state.window_start >= limit.window_seconds:
                state.window_start, state.window_count = now, 0
            state.window_count += 1
            if state.window_count <= (limit.max_requests or 0):
                return None
            remaining = limit.window_seconds - (now - state.window_start)
            retry_after = limit.retry_after_seconds
            if retry_after is None:
                retry_after = max(1, math.ceil(remaining))
        return FaultVerdict(
            429, "rate_limited", f"Too many requests; retry after {retry_after} s.", {"Retry-After": str(retry_after)}
        )

    def _failed(self, rule: FaultRule) -> FaultVerdict | None:
        if not rule.error_rate or self._rng.random() >= rule.error_rate:
            return None
        if rule.error_status == 503:
            message = "The HRMS is temporarily unavailable."
            return FaultVerdict(503, "service_unavailable", message, {"Retry-After": "1"})
        return FaultVerdict(500, "internal_error", "The HRMS failed to process the request.")


def render_error_body(verdict: FaultVerdict) -> tuple[int, dict[str, str], bytes]:
    """The canonical mock's rendering of a verdict: its status and headers, an ErrorBody."""
    return verdict.status, verdict.headers, error_body(verdict.code, verdict.message)


VerdictRenderer = Callable[[FaultVerdict], tuple[int, dict[str, str], bytes]]


class FaultMiddleware:
    """ASGI middleware answering requests under `prefix` with the injector's verdict before the app sees them.

    `render` turns a verdict into (status, headers, body): a vendor simulator answers faults in its own
    protocol (BambooHR's legacy throttling is a 503, not a 429) while sharing the injector and its rules.
    """

    def __init__(
        self,
        app: ASGIApp,
        injector: FaultInjector,
        prefix: str = FAULTED_PREFIX,
        render: VerdictRenderer = render_error_body,
    ) -> None:
        self.app = app
        self.injector = injector
        self.prefix = prefix
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix) or not self.injector.config.rules:
            await self.app(scope, receive, send)
            return
        verdict = await self.injector.decide(scope["method"], scope["path"])
        if verdict is None:
            await self.app(scope, receive, send)
            return
        status, extra_headers, body = self.render(verdict)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
