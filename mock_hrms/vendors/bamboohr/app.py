"""`create_bamboohr_app`: the BambooHR simulator — the shared generated world in BambooHR's protocol.

Reused from the canonical mock: the world, the control surface (/_control, control token; its changes show up
here), the fault injector and its middleware (rendered BambooHR-style: rate limits 429 + Retry-After, or 503 with
`throttle_mode="503"`), token rotation/expiry (the API key is the rotatable token). After every request that can
change the world the change tracker runs and webhooks are delivered for what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI, Request

from mock_hrms.api import control
from mock_hrms.api.auth import TokenState
from mock_hrms.api.faults import FaultInjector, FaultMiddleware
from mock_hrms.api.idempotency import IdempotencyStore
from mock_hrms.vendors.bamboohr import ats, employees, meta, time_off, webhook_routes
from mock_hrms.vendors.bamboohr.changes import ChangeTracker
from mock_hrms.vendors.bamboohr.meta import ListOptions
from mock_hrms.vendors.bamboohr.protocol import (
    API_BASE,
    INTERNAL_PREFIX,
    CompanyRouting,
    install_error_handlers,
    require_api_key,
    require_json,
    throttle_renderer,
)
from mock_hrms.vendors.bamboohr.settings import BambooSettings
from mock_hrms.vendors.bamboohr.webhooks import WebhookHub

if TYPE_CHECKING:
    from mock_hrms.world import World

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_bamboohr_app(settings: BambooSettings | None = None, world: World | None = None) -> FastAPI:
    """The BambooHR simulator for `settings`, serving `world` (generated from the settings when not given)."""
    settings = settings or BambooSettings()
    if world is None:
        from mock_hrms.world import generate_world

        world = generate_world(seed=settings.seed, employees=settings.employees, reference_date=settings.reference_date)
    app = FastAPI(title="BambooHR simulator", version="1.0.0", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.api_base = API_BASE  # what `python -m mock_hrms` prints as the API's address
    app.state.world = world
    app.state.tokens = TokenState(token=settings.api_key, control_token=settings.control_token)
    app.state.faults = FaultInjector()
    app.state.idempotency = IdempotencyStore()  # unused by BambooHR; the shared control surface reports its size
    app.state.tracker = ChangeTracker(world)
    app.state.list_options = ListOptions(world)
    app.state.webhooks = WebhookHub(
        company_id=settings.company_id,
        company_domain=settings.company_domain,
        timeout=settings.webhook_timeout_seconds,
        retries=settings.webhook_retries,
    )
    install_error_handlers(app)

    api = APIRouter(prefix=INTERNAL_PREFIX, dependencies=[Depends(require_api_key), Depends(require_json)])
    for module in (employees, time_off, meta, ats, webhook_routes):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(control.router)

    @app.middleware("http")
    async def deliver_changes(request: Request, call_next):
        response = await call_next(request)
        if request.method not in READ_METHODS:
            app.state.webhooks.deliver(app.state.tracker.observe())
        return response

    app.add_middleware(CompanyRouting, company=settings.company_domain)
    # Added last = outermost: faults hit the public URL forms before routing, as a failing proxy would.
    app.add_middleware(FaultMiddleware, injector=app.state.faults, render=throttle_renderer(settings.throttle_mode))
    return app
