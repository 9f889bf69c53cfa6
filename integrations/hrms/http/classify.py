"""The status → error table: one place decides what an HRMS answer means (Airbyte's error-handler style).

A vendor with a quirk overrides table entries instead of subclassing the client, e.g. BambooHR throttles
with a 503 carrying Retry-After (https://documentation.bamboohr.com/docs/api-details):

    classifier = DEFAULT_CLASSIFIER.override({503: rate_limited})

Each entry is an `ErrorFactory`: it gets the response and a short safe description of the request
("GET /employees") and returns the typed error to raise. A 2xx is not an error (`None`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from ..errors import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    HRMSError,
    NotFound,
    RateLimited,
    TokenExpired,
    Unavailable,
    ValidationRejected,
)

ErrorFactory = Callable[[httpx.Response, str], HRMSError]


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    None when absent or unparseable; a date in the past means 0.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max((when - now).total_seconds(), 0.0)


def response_json(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is not JSON (an HTML error page from a proxy, say)."""
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _reason(response: httpx.Response, what: str) -> tuple[str, Any]:
    body = response_json(response)
    detail = None
    if isinstance(body, dict):
        detail = body.get("message") or body.get("error")
    message = f"{what} → {response.status_code}"
    return (f"{message}: {detail}" if detail else message), body


def _error_code(body: Any) -> str | None:
    return body.get("error") if isinstance(body, dict) else None


def unauthorized(response: httpx.Response, what: str) -> HRMSError:
    message, body = _reason(response, what)
    cls = TokenExpired if _error_code(body) == "token_expired" else AuthenticationFailed
    return cls(message, status=response.status_code, body=body)


def simple(cls: type[HRMSError]) -> ErrorFactory:
    """A factory that raises `cls` with the body's message."""

    def factory(response: httpx.Response, what: str) -> HRMSError:
        message, body = _reason(response, what)
        return cls(message, status=response.status_code, body=body)

    return factory


def rate_limited(response: httpx.Response, what: str) -> HRMSError:
    message, body = _reason(response, what)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return RateLimited(message, retry_after=retry_after, status=response.status_code, body=body)


def unavailable(response: httpx.Response, what: str) -> HRMSError:
    """5xx. A 503 may say when to come back (Retry-After); that is honoured like a 429's."""
    message, body = _reason(response, what)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return Unavailable(message, retry_after=retry_after, status=response.status_code, body=body)


DEFAULT_TABLE: Mapping[int, ErrorFactory] = {
    400: simple(ValidationRejected),
    401: unauthorized,
    403: simple(AuthenticationFailed),
    404: simple(NotFound),
    409: simple(Conflict),
    422: simple(ValidationRejected),
    429: rate_limited,
    500: unavailable,
    502: unavailable,
    503: unavailable,
    504: unavailable,
}


class ResponseClassifier:
    """Maps a response to None (2xx) or the typed error to raise. Statuses missing from the table fall back
    by class: other 5xx are Unavailable (transient), anything else non-2xx a permanent HRMSError."""

    def __init__(self, table: Mapping[int, ErrorFactory] = DEFAULT_TABLE) -> None:
        self.table = dict(table)

    def override(self, entries: Mapping[int, ErrorFactory]) -> ResponseClassifier:
        return ResponseClassifier({**self.table, **entries})

    def __call__(self, response: httpx.Response, what: str) -> HRMSError | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        factory = self.table.get(status)
        if factory is not None:
            return factory(response, what)
        if status >= 500:
            return unavailable(response, what)
        message, body = _reason(response, what)
        return HRMSError(f"unexpected answer: {message}", status=status, body=body)


DEFAULT_CLASSIFIER = ResponseClassifier()


def classify_transport_error(exc: httpx.HTTPError, what: str, origin: str = "") -> HRMSError:
    """Failures before any answer: timeouts, refused connections and broken responses are transient;
    a malformed URL or unsupported scheme is a configuration problem no retry can fix. The message names
    where the request went (`origin`: scheme, host and port — never a path's query or a credential) and
    what the network said, so "connection refused to http://hrms.example:8443" reaches the admin."""
    where = f" to {origin}" if origin else ""
    detail = str(exc).strip()
    said = f" ({type(exc).__name__}: {detail})" if detail else f" ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectTimeout):
        return Unavailable(f"{what}: connecting{where} timed out{said}")
    if isinstance(exc, httpx.TimeoutException):
        return Unavailable(f"{what}: timed out{where}{said}")
    if isinstance(exc, httpx.ConnectError):
        reason = "connection refused" if "refused" in detail.lower() else "could not connect"
        return Unavailable(f"{what}: {reason}{where}{said}")
    if isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.UnsupportedProtocol):
        return Unavailable(f"{what}: the connection{where} failed{said}")
    return ConfigurationError(f"{what}: {type(exc).__name__}{where}")
