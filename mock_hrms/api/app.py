"""`create_app`: the canonical mock HRMS as a FastAPI application over one generated world."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from mock_hrms.api import control, employees, leave, recruiting
from mock_hrms.api.auth import TokenState, bearer_token, require_control_token, require_token
from mock_hrms.api.errors import error_response, error_responses, install_error_handlers
from mock_hrms.api.faults import FaultInjector, FaultMiddleware
from mock_hrms.api.idempotency import IdempotencyMiddleware, IdempotencyStore
from mock_hrms.api.paging import render_json
from mock_hrms.api.settings import MockSettings

if TYPE_CHECKING:
    from mock_hrms.world import World

log = logging.getLogger("mock_hrms.api")

API_PREFIX = "/api/v1"
CONTROL_PREFIX = "/_control"
DESCRIPTION = """
The canonical mock HRMS: the seed document's API (same paths, fields and envelopes) over a generated,
deterministic HR world.

* **Auth**: `Authorization: Bearer <token>` (default `mock-hrms-token-12345`). Errors are always
  `{"error", "message", "details"}`.
* **Paging**: `page`/`page_size` (seed style, ordered by id) or keyset paging (omit `page`, then pass the
  response's `next_cursor` as `cursor`; ordered by `(updated_at, id)`, nothing skipped while data changes).
  `updated_since` (inclusive; naive = UTC) and `include_deleted` (tombstones) on every list.
* **Idempotency-Key** on POST/PATCH: a retry returns the first response; reusing a key for another body is
  422 `idempotency_key_reused`.
* **Extension**: `GET /api/v1/leave-balances` pages every employee's balance with `updated_since`.
* The simulation control surface (`/_control/...`, control token) is documented at `/_control/openapi.json`.
"""


def create_app(settings: MockSettings | None = None, world: World | None = None) -> FastAPI:
    """The mock HRMS app for `settings`, serving `world` (generated from the settings when not given)."""
    settings = settings or MockSettings()
    if world is None:
        from mock_hrms.world import generate_world

        world = generate_world(seed=settings.seed, employees=settings.employees, reference_date=settings.reference_date)
    app = FastAPI(
        title="Mock HRMS (canonical)",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "employees", "description": "Employees, reporting chains and departments"},
            {"name": "recruiting", "description": "Job requisitions and candidates"},
            {"name": "interviews", "description": "Interview scheduling"},
            {"name": "leave", "description": "Leave requests and balances"},
        ],
    )
    app.state.settings = settings
    app.state.api_base = API_PREFIX  # what `python -m mock_hrms` prints as the API's address
    app.state.world = world
    app.state.tokens = TokenState(token=settings.token, control_token=settings.control_token)
    app.state.faults = FaultInjector()
    app.state.idempotency = IdempotencyStore()
    app.state.balance_index = None

    install_error_handlers(app)
    app.add_exception_handler(Exception, _on_unexpected_error)

    api = APIRouter(
        prefix=API_PREFIX, dependencies=[Depends(require_token)], responses=error_responses(400, 401, 422, 429, 503)
    )
    for module in (employees, recruiting, leave):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(control.router)
    _split_openapi(app)

    tokens: TokenState = app.state.tokens

    def is_authenticated(authorization: str | None) -> bool:
        presented = bearer_token(authorization)
        return tokens.matches(presented) and not tokens.expired()

    # Added last = outermost: faults act before idempotency, as a failing proxy would.
    app.add_middleware(
        IdempotencyMiddleware,
        store=app.state.idempotency,
        is_authenticated=is_authenticated,
        routes=app.router.routes,
    )
    app.add_middleware(FaultMiddleware, injector=app.state.faults)
    return app


async def _on_unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug, not bad input: still answered as an ErrorBody (and logged with its traceback)."""
    log.exception("mock_hrms.api.unexpected_error", extra={"path": request.url.path})
    return error_response(500, "internal_error", "The mock HRMS failed unexpectedly.")


def _split_openapi(app: FastAPI) -> None:
    """/openapi.json describes the HRMS only; the control surface has its own /_control/openapi.json."""
    documents: dict[str, dict] = {}

    def split() -> dict[str, dict]:
        if not documents:
            full = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                tags=app.openapi_tags,
                routes=app.routes,
            )
            public = {p: op for p, op in full["paths"].items() if not p.startswith(CONTROL_PREFIX)}
            private = {p: op for p, op in full["paths"].items() if p.startswith(CONTROL_PREFIX)}
            documents["public"] = {**full, "paths": public}
            documents["control"] = {
                **full,
                "info": {"title": "Mock HRMS control surface", "version": app.version, "description": control.__doc__},
                "tags": [{"name": "control", "description": "Simulation control (control token)"}],
                "paths": private,
            }
        return documents

    def public_openapi() -> dict:
        app.openapi_schema = split()["public"]
        return app.openapi_schema

    app.openapi = public_openapi  # type: ignore[method-assign]
    app.state.openapi_documents = split
    app.add_api_route(
        f"{CONTROL_PREFIX}/openapi.json",
        _control_openapi,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[Depends(require_control_token)],
    )


async def _control_openapi(request: Request) -> Response:
    """GET /_control/openapi.json. One module-level endpoint that finds its app in the request, never a closure
    over the app: FastAPI keeps endpoint callables in process-wide LRU caches (4,096 entries, strong references),
    so such a closure kept every app ever created alive, with its world — a test suite's heap grew to millions
    of objects, and pytest's garbage collections at the end of a worker outlasted xdist's shutdown grace."""
    return render_json(request.app.state.openapi_documents()["control"])
