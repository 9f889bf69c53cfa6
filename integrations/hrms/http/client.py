"""The one HTTP client every vendor adapter talks through (Sentry's base API client, for HRMSs).

One pooled `httpx.AsyncClient` per adapter instance; every call goes: retry loop → wait for a rate slot →
circuit breaker → HTTP → status table. Whatever goes wrong comes out as a typed `HRMSError` raised `from`
its cause, so adapters only map payloads and callers decide by type.

Writes are retried only with an idempotency key: without one, a timed-out POST may have been applied, and
sending it again could create a second candidate or a double-booked interview.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx
import orjson
from tenacity import RetryCallState

from ..errors import HRMSError
from .breaker import CircuitBreaker
from .classify import DEFAULT_CLASSIFIER, ResponseClassifier, classify_transport_error
from .events import log_event, safe_path
from .guarded_transport import guarded_transport
from .policy import DEFAULT_POLICY, TransportPolicy
from .ratelimit import RateLimiter
from .retry import Clock, Sleep, build_retrying, stop_before_deadline
from .state import TransportState, get_transport_state

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of the process (certificate verification on, certifi's CA bundle). httpx would
    build one per client, reading and parsing the bundle each time (~15 ms), and Harvey builds a client per
    sync run; built when this module is imported, so no run waits for it."""
    return httpx.create_ssl_context()


tls_context()


class HRMSHttpClient:
    """HTTP to one organization's HRMS. Use as `async with HRMSHttpClient(...) as http:`.

    `integration_key` names the shared rate budget and breaker (one per organization's integration).
    Without a `transport`, every connection goes through the SSRF guard (`guarded_transport.py`), which
    lets loopback and private addresses through only with `allow_private_network`. `transport` lets tests
    serve an app in-process (`httpx.ASGITransport(app)`) or script answers (`httpx.MockTransport`).
    `sleep`, `clock` and `rng` are for tests that must not really wait. Redirects are never followed: a
    30x is an answer like any other, so an HRMS cannot send Harvey on to another host.
    """

    def __init__(
        self,
        base_url: str,
        *,
        integration_key: str,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        policy: TransportPolicy | None = None,
        state: TransportState | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_private_network: bool = False,
        classify: ResponseClassifier | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.integration_key = integration_key
        self.policy = policy or DEFAULT_POLICY
        self.state = state or get_transport_state()
        self.classify = classify or DEFAULT_CLASSIFIER
        self._sleep, self._clock, self._rng = sleep, clock, rng
        if transport is None:
            transport = guarded_transport(
                allow_private=allow_private_network,
                ssl_context=tls_context(),
                limits=self.policy.limits(),
                integration_key=integration_key,
            )
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=self.policy.timeout(),
            transport=transport,
            follow_redirects=False,
        )
        self.limiter = RateLimiter(
            self.state, integration_key, rate=self.policy.rate_per_second, burst=self.policy.burst, sleep=sleep
        )
        self.breaker = CircuitBreaker(
            self.state,
            integration_key,
            threshold=self.policy.breaker_threshold,
            cool_down=self.policy.breaker_cool_down,
            probe_lease=self.policy.breaker_probe_lease,
        )

    async def __aenter__(self) -> HRMSHttpClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool. The transport state is shared by other clients and stays open."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Send one request and return its 2xx response; raise a typed HRMSError otherwise."""
        method = method.upper()
        if json is not None and content is not None:
            raise ValueError("pass json= or content=, not both")
        send_headers = dict(headers or {})
        if json is not None:
            content = orjson.dumps(json)
            send_headers["Content-Type"] = "application/json"
        if idempotency_key:
            send_headers["Idempotency-Key"] = idempotency_key
        retry_allowed = method not in WRITE_METHODS or bool(idempotency_key)
        what = f"{method} {safe_path(path)}"
        retrying, deadline = build_retrying(
            self.policy,
            retry_allowed=retry_allowed,
            sleep=self._sleep,
            clock=self._clock,
            rng=self._rng,
            before_sleep=lambda rs: self._log_retry(rs, method, path),
        )
        async for attempt in retrying:
            with attempt:
                response = await self._attempt(method, path, params, content, send_headers, what, deadline)
        return response

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and parse the body with orjson. A 2xx that is not JSON is an HRMSError (never retried)."""
        response = await self.request("GET", path, params=params)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as e:
            raise HRMSError(
                f"GET {safe_path(path)} answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
            ) from e

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, str],
        what: str,
        deadline: stop_before_deadline,
    ) -> httpx.Response:
        decision = await self.limiter.admit(
            probe_lease=self.breaker.probe_lease, max_wait=max(deadline.remaining(), 0.0)
        )
        async with self.breaker.guard(decision):
            try:
                response = await self._http.request(method, path, params=params, content=content, headers=headers)
            except httpx.HTTPError as e:
                raise classify_transport_error(e, what, _origin(self._http.base_url)) from e
            error = self.classify(response, what)
            if error is None:
                return response
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None or error.status == 429:
                await self._pause_budget(retry_after, method, path, error.status)
            cause = httpx.HTTPStatusError(what, request=response.request, response=response)
            raise error from cause

    async def _pause_budget(self, retry_after: float | None, method: str, path: str, status: int | None) -> None:
        """Every worker of this integration backs off, not just the one that was told to."""
        seconds = retry_after if retry_after is not None else self.policy.backoff_base
        await self.limiter.pause(seconds)
        log_event(
            "hrms.http.rate_limited",
            logging.WARNING,
            integration=self.integration_key,
            method=method,
            path=safe_path(path),
            status=status,
            pause=round(seconds, 3),
        )

    def _log_retry(self, retry_state: RetryCallState, method: str, path: str) -> None:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        log_event(
            "hrms.http.retry",
            logging.WARNING,
            integration=self.integration_key,
            method=method,
            path=safe_path(path),
            attempt=retry_state.attempt_number,
            wait=round(retry_state.upcoming_sleep, 3),
            error=getattr(exc, "code", type(exc).__name__),
        )


def _origin(url: httpx.URL) -> str:
    """scheme://host[:port] of a base URL: where a failed request went, without path, query or userinfo."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"
