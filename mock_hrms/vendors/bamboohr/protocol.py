"""BambooHR's transport: both URL forms, the company, HTTP Basic with the API key, JSON by Accept, errors.

URL forms (docs/vendors/bamboohr.md §1), both rewritten to one internal path `/v1/...` before routing:
- legacy `/api/gateway.php/{companyDomain}/v1/...` — the company is in the path;
- current `/api/v1/...` — the company is the Host's first label on `{company}.bamboohr.com`; on any other
  host (127.0.0.1 in tests, a dev box) the simulator serves its one configured company.
An unknown company is 404. A trailing slash is ignored (PyBambooHR calls `employees/changed/`, `meta/fields/`).

Format: BambooHR answers JSON or XML by `Accept`; every maintained client sends `Accept: application/json`,
so the simulator answers JSON to that and 406 to anything else (documented choice: no XML rendering).
Errors: the status code is what clients act on; the reason is in `X-BambooHR-Error-Message` (seen in third-party
clients, unconfirmed) and repeated as the canonical mock's ErrorBody JSON.
"""

from __future__ import annotations

import base64
import binascii
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_hrms.api.auth import TokenState
from mock_hrms.api.errors import ApiError, error_body
from mock_hrms.api.faults import FaultVerdict
from mock_hrms.api.routing import allow_header
from mock_hrms.world.errors import WorldError

INTERNAL_PREFIX = "/v1"
_GATEWAY = re.compile(r"^/api/gateway\.php/(?P<company>[^/]+)/v1(?P<rest>/.*)?$")
API_BASE = "/api/v1"  # the current form; on a host that is not {company}.bamboohr.com, the configured company
_CURRENT = re.compile(rf"^{re.escape(API_BASE)}(?P<rest>/.*)?$")
BAMBOO_HOST_SUFFIX = ".bamboohr.com"
ERROR_HEADER = "X-BambooHR-Error-Message"


class CompanyRouting:
    """ASGI middleware: map both public URL forms onto `/v1/...`, or answer 404 for another company/path."""

    def __init__(self, app: ASGIApp, company: str) -> None:
        self.app = app
        self.company = company.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        gateway, current = _GATEWAY.match(path), _CURRENT.match(path)
        if gateway:
            company, rest = gateway["company"], gateway["rest"] or "/"
        elif current:
            company, rest = self._host_company(scope), current["rest"] or "/"
        else:
            await _send_error(send, 404, "not_found", f"There is no endpoint at {path}.")
            return
        if company.lower() != self.company:
            await _send_error(send, 404, "unknown_company", f"No company {company!r} on this BambooHR.")
            return
        rest = rest.rstrip("/") or "/"
        scope = {**scope, "path": INTERNAL_PREFIX + rest, "raw_path": (INTERNAL_PREFIX + rest).encode()}
        scope.setdefault("state", {})["bamboo_company"] = company
        await self.app(scope, receive, send)

    def _host_company(self, scope: Scope) -> str:
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "").split(":")[0].lower()
        return host[: -len(BAMBOO_HOST_SUFFIX)] if host.endswith(BAMBOO_HOST_SUFFIX) else self.company


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = error_body(code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (ERROR_HEADER.lower().encode(), message.encode("latin-1", "replace"))]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def basic_user(header: str | None) -> str | None:
    """The user name of an `Authorization: Basic` header (BambooHR: the API key; the password is ignored)."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


async def require_api_key(request: Request) -> None:
    """Dependency of every BambooHR route: Basic auth with the API key in force (rotatable via /_control/token)."""
    tokens: TokenState = request.app.state.tokens
    key = basic_user(request.headers.get("authorization"))
    if key is None or not tokens.matches(key) or tokens.expired():
        raise ApiError(
            401, "unauthorized", "Invalid or missing API key.", headers={"WWW-Authenticate": 'Basic realm="api"'}
        )
    tokens.uses += 1


async def require_json(request: Request) -> None:
    """Dependency: the client must accept JSON (see the module docstring for why not XML)."""
    accept = request.headers.get("accept", "")
    if "application/json" not in accept.lower():
        raise ApiError(406, "not_acceptable", "This simulator answers only Accept: application/json.")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    all_headers = {ERROR_HEADER: message.encode("latin-1", "replace").decode("latin-1"), **(headers or {})}
    return Response(error_body(code, message), status_code=status, media_type="application/json", headers=all_headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error as status + X-BambooHR-Error-Message; bad input is 400 as BambooHR answers it, never a 500."""

    async def on_api(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def on_world(request: Request, exc: WorldError) -> Response:
        return error_response(400 if exc.status == 422 else exc.status, exc.code, exc.message)

    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()) or "the request"
        return error_response(400, "bad_request", f"The request is invalid: check {fields}.")

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allow_header(request)  # Starlette's names only the first route of the path
        return error_response(exc.status_code, "http_error", message, headers)

    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(WorldError, on_world)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


def throttle_renderer(mode: str):
    """How injected faults look on BambooHR: rate limits are 429 + Retry-After, or 503 in the legacy mode."""

    def render(verdict: FaultVerdict) -> tuple[int, dict[str, str], bytes]:
        status, headers = verdict.status, dict(verdict.headers)
        if status == 429 and mode == "503":
            status = 503
        headers[ERROR_HEADER] = verdict.message
        return status, headers, error_body(verdict.code, verdict.message)

    return render
