"""Every error the mock HRMS sends is a canonical ErrorBody: {"error", "message", "details"}.

FastAPI's own errors (request validation, unknown routes, wrong methods) and the world's business-rule
errors are all re-shaped here, so a client needs one parser for every 4xx/5xx. Bad input never becomes a
500: the world raises typed errors carrying their status, and validation failures list each field.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hrmodel.canonical import ErrorBody
from mock_hrms.api.routing import allow_header
from mock_hrms.world.errors import WorldError

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error raised by the API layer itself (not the world): status, machine code, sentence, details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    """The canonical ErrorBody as JSON bytes."""
    return orjson.dumps({"error": code, "message": message, "details": details or []})


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        error_body(code, message, details), status_code=status, media_type="application/json", headers=headers
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per problem: the field as a dotted path ("body.email", "query.page_size") and why."""
    details = []
    for problem in exc.errors():
        location = [str(part) for part in problem.get("loc", ())]
        details.append(
            {"field": ".".join(location), "problem": str(problem.get("msg", "invalid")), "type": problem.get("type")}
        )
    return details


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    details = _validation_details(exc)
    fields = ", ".join(d["field"] for d in details) or "the request"
    return error_response(422, "validation_error", f"The request is invalid: check {fields}.", details)


async def _on_api_error(request: Request, exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _on_world_error(request: Request, exc: WorldError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details())


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 404 and message == "Not Found":
        message = f"There is no endpoint at {request.url.path}."
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
        headers["Allow"] = allow_header(request)  # Starlette's names only the first route of the path
    return error_response(exc.status_code, code, message, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception kind the API can meet to an ErrorBody response."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(WorldError, _on_world_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the OpenAPI document: each listed status answers with an ErrorBody."""
    descriptions = {
        400: "Malformed request (e.g. a cursor this server did not issue)",
        401: "Missing, wrong or expired bearer token",
        404: "No such record",
        409: "Conflicts with the current state (duplicate, double booking, overlap, transition)",
        422: "Invalid input or a business rule refused the write",
        429: "Rate limited; retry after the Retry-After header's seconds",
        500: "Injected server error (fault injection only)",
        503: "Injected unavailability (fault injection only); may carry Retry-After",
    }
    return {status: {"model": ErrorBody, "description": descriptions[status]} for status in statuses}
