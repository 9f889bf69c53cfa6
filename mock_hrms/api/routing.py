"""Which routes a request reaches, asked of the app's routes themselves (Starlette's `BaseRoute.matches`).

Starlette answers a wrong method with the `Allow` of the first route whose path matched, so a path served by
two routes (GET and PATCH of one interview) advertised only one of them. And the Idempotency-Key layer sits in
front of routing, so it must know whether a route would execute the request at all before it replays, refuses
or records anything for it. Both ask here, through the routes' public matching protocol only (FastAPI nests
included routers in objects of its own), so they cannot disagree with the router.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

# RFC 9110 §9 and PATCH (RFC 5789): the methods a path is probed for when a 405 must name its methods.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def is_routed(routes: Iterable[BaseRoute], scope: Scope) -> bool:
    """Whether some route executes this request: its path and its method both match (the router's FULL match)."""
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def methods_at(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method a route executes at `scope`'s path (empty: no route has the path)."""
    routes = list(routes)
    return [method for method in HTTP_METHODS if is_routed(routes, {**scope, "method": method})]


def allow_header(request: Request) -> str:
    """The `Allow` of a 405 to `request` (RFC 9110 §10.2.1): every method its path has, not one route's."""
    return ", ".join(methods_at(request.app.router.routes, request.scope))
