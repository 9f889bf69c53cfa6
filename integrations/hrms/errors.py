"""The one typed error tree of the integration layer.

Every adapter, whatever its vendor, turns transport failures and vendor error bodies into these classes, so
the service, the sync engine and the outbox decide retry-versus-fail by type alone (`retryable`), never by
parsing messages. Messages are safe to show an HR admin: they never contain credentials.
"""

from __future__ import annotations

from typing import Any


class HRMSError(Exception):
    """Base of every error the integration layer raises on purpose."""

    #: Transient errors may succeed if the same call is made again later.
    retryable: bool = False
    #: A short machine code, stable across releases (used in SyncRun errors and API responses).
    code: str = "hrms_error"

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "status": self.status}


class ConfigurationError(HRMSError):
    """The integration is set up wrongly (unknown adapter type, missing credential, bad base URL)."""

    code = "configuration_error"


class UnknownAdapterType(ConfigurationError):
    code = "unknown_adapter_type"

    def __init__(self, hrms_type: str, known: list[str]) -> None:
        super().__init__(f"Unknown HRMS type {hrms_type!r}; known types: {', '.join(sorted(known)) or 'none'}")
        self.hrms_type = hrms_type
        self.known = sorted(known)


class UnsupportedOperation(HRMSError):
    """The vendor has no API for this (e.g. BambooHR interviews); see the adapter's capabilities."""

    code = "unsupported_operation"


class AuthenticationFailed(HRMSError):
    """401/403: wrong, expired or under-scoped credentials. Never retried: an admin must act."""

    code = "authentication_failed"


class TokenExpired(AuthenticationFailed):
    """The HRMS says the token has expired; adapters with a refresh flow refresh once, others fail fast."""

    code = "token_expired"


class NotFound(HRMSError):
    code = "not_found"


class Conflict(HRMSError):
    """409: the HRMS refused because of the state of its data (double booking, duplicate, transition)."""

    code = "conflict"


class ValidationRejected(HRMSError):
    """400/422: the HRMS rejected the request's content. Retrying the same request cannot help."""

    code = "validation_rejected"


class RateLimited(HRMSError):
    """429 (or a vendor's throttling 503). `retry_after` is seconds to wait, when the HRMS said."""

    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Unavailable(HRMSError):
    """5xx, timeouts, connection failures: transient, worth retrying with backoff.

    `retry_after` is set when the HRMS said when to come back (a 503 with `Retry-After`).
    """

    code = "unavailable"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class CircuitOpen(Unavailable):
    """The circuit breaker for this integration is open: calls are refused without touching the HRMS.

    The breaker is a consequence, so the message leads with its cause (the failure that tripped it, e.g.
    "connection refused"); `reopens_in` is when a call may be tried again, and is also `retry_after`: a retry
    that comes sooner is refused without one request reaching the HRMS.
    """

    code = "circuit_open"

    def __init__(self, message: str, *, reopens_in: float | None = None, cause: str = "") -> None:
        super().__init__(message, retry_after=reopens_in)
        self.reopens_in = reopens_in
        self.cause = cause


class InvalidRecord(HRMSError):
    """The HRMS sent a record that does not fit the canonical schema.

    Carries the raw payload and the reason so the sync engine can quarantine it and carry on.
    """

    code = "invalid_record"

    def __init__(self, entity: str, payload: Any, reason: str, *, external_id: str | None = None) -> None:
        super().__init__(f"Invalid {entity} record {external_id or '?'}: {reason}")
        self.entity = entity
        self.payload = payload
        self.reason = reason
        self.external_id = external_id
