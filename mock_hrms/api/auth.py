"""Bearer-token authentication for the HRMS API and, separately, for the simulation control surface.

The HRMS token can be made to expire (after N seconds or N requests, set through the control surface's
fault configuration) and rotated (PUT /_control/token), so clients can be tested on the "token expired ->
refresh -> retry" path. An expired token answers 401 {"error": "token_expired"}; an unknown or missing one
401 {"error": "unauthorized"}; both with `WWW-Authenticate: Bearer` as RFC 6750 asks.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mock_hrms.api.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="The HRMS API token (seed default: mock-hrms-token-12345).")


@dataclass
class TokenExpiry:
    """When the current HRMS token stops working: after this many seconds and/or this many requests."""

    after_seconds: float | None = None
    after_requests: int | None = None


@dataclass
class TokenState:
    """The HRMS token in force, its expiry policy and how much of it has been used."""

    token: str
    control_token: str
    expiry: TokenExpiry = field(default_factory=TokenExpiry)
    issued_at: float = field(default_factory=time.monotonic)
    uses: int = 0

    def rotate(self, new_token: str | None = None) -> str:
        """Put a new HRMS token in force (random if none given) and restart its expiry clock and count."""
        self.token = new_token or f"mock-hrms-{secrets.token_urlsafe(18)}"
        self.issued_at = time.monotonic()
        self.uses = 0
        return self.token

    def set_expiry(self, expiry: TokenExpiry) -> None:
        """Apply an expiry policy, counted from now."""
        self.expiry = expiry
        self.issued_at = time.monotonic()
        self.uses = 0

    def matches(self, presented: str | None) -> bool:
        """Constant-time comparison with the HRMS token in force (ignores expiry)."""
        return presented is not None and hmac.compare_digest(presented.encode(), self.token.encode())

    def expired(self) -> bool:
        limit_s, limit_n = self.expiry.after_seconds, self.expiry.after_requests
        if limit_s is not None and time.monotonic() - self.issued_at >= limit_s:
            return True
        return limit_n is not None and self.uses >= limit_n

    def authenticate(self, presented: str | None) -> None:
        """Raise the right 401 unless `presented` is the current, unexpired token; count the use."""
        if presented is None:
            raise unauthorized("unauthorized", "A bearer token is required.", challenge="Bearer")
        if not self.matches(presented):
            raise unauthorized("unauthorized", "The bearer token is not valid.")
        if self.expired():
            raise unauthorized("token_expired", "The bearer token has expired; obtain a new one.")
        self.uses += 1

    def authenticate_control(self, presented: str | None) -> None:
        if presented is None:
            raise unauthorized("unauthorized", "The control surface needs the control token.", challenge="Bearer")
        if not hmac.compare_digest(presented.encode(), self.control_token.encode()):
            raise unauthorized("unauthorized", "The control token is not valid.")


def unauthorized(code: str, message: str, challenge: str = 'Bearer error="invalid_token"') -> ApiError:
    """A 401 with the RFC 6750 challenge: bare `Bearer` when no token came, `invalid_token` otherwise."""
    return ApiError(401, code, message, headers={"WWW-Authenticate": challenge})


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)) -> None:
    """FastAPI dependency for every /api/v1 route (declares the bearer scheme in the OpenAPI document)."""
    state: TokenState = request.app.state.tokens
    state.authenticate(credentials.credentials if credentials else None)


async def require_control_token(request: Request) -> None:
    """Dependency for /_control routes: the control token, never the HRMS token."""
    state: TokenState = request.app.state.tokens
    state.authenticate_control(bearer_token(request.headers.get("authorization")))
