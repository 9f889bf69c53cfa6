"""BambooHR's webhook management API (BSDK WebhooksApi; docs/vendors/bamboohr.md §7). The private key is shown once."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from mock_hrms.api.errors import ApiError
from mock_hrms.api.paging import render_json
from mock_hrms.vendors.bamboohr.mapping import FIELD_NAMES, FIELD_TYPES
from mock_hrms.vendors.bamboohr.webhooks import ALL_EVENTS, EMPLOYEE_EVENTS, FIELD_EVENTS, Webhook, WebhookHub

router = APIRouter()
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class WebhookSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    url: str = Field(min_length=1, max_length=2048)
    format: str
    monitorFields: list[str] = Field(default_factory=list)
    postFields: dict[str, str] = Field(default_factory=dict)
    events: list[str] = Field(default_factory=list)
    includeCompanyDomain: bool = False


def _validated(request: Request, spec: WebhookSpec) -> dict:
    parts = urlsplit(spec.url)
    https = parts.scheme == "https"
    # Real BambooHR takes https only; the simulator also takes http:// loopback URLs so tests can listen locally.
    local_http = (
        parts.scheme == "http" and parts.hostname in LOOPBACK and request.app.state.settings.allow_http_webhooks
    )
    if not parts.hostname or not (https or local_http):
        raise ApiError(400, "bad_request", "The webhook url must be https://.")
    if spec.format != "json":
        raise ApiError(400, "bad_request", "format must be json (the simulator does not deliver form posts).")
    unknown = set(spec.events) - ALL_EVENTS
    if unknown:
        raise ApiError(400, "bad_request", f"Unknown events: {', '.join(sorted(unknown))}.")
    if set(spec.events) & EMPLOYEE_EVENTS and set(spec.events) & FIELD_EVENTS:
        raise ApiError(400, "bad_request", "employee.* and employee_with_fields.* events cannot be mixed.")
    if not spec.events and not spec.monitorFields:
        raise ApiError(400, "bad_request", "A webhook needs events or monitorFields.")
    bad_fields = (set(spec.monitorFields) | set(spec.postFields)) - set(FIELD_TYPES)
    if bad_fields:
        raise ApiError(400, "bad_request", f"Unknown fields: {', '.join(sorted(bad_fields))}.")
    return {
        "name": spec.name, "url": spec.url, "format": spec.format, "monitor_fields": spec.monitorFields,
        "post_fields": spec.postFields, "events": spec.events, "include_company_domain": spec.includeCompanyDomain,
    }  # fmt: skip


def _hub(request: Request) -> WebhookHub:
    return request.app.state.webhooks


def _hook(request: Request, webhook_id: str) -> Webhook:
    hook = _hub(request).hooks.get(webhook_id)
    if hook is None:
        raise ApiError(404, "not_found", f"Webhook {webhook_id} does not exist.")
    return hook


def _field_list() -> dict:
    return {"fields": [{"id": name, "name": FIELD_NAMES[name], "alias": name} for name in FIELD_TYPES]}


@router.get("/webhooks/monitor_fields")
async def monitor_fields() -> Response:
    return render_json(_field_list())


@router.get("/webhooks/post-fields")
async def post_fields() -> Response:
    return render_json(_field_list())


@router.get("/webhooks")
async def list_webhooks(request: Request) -> Response:
    hooks = [
        {"id": h.id, "name": h.name, "created": h.created, "lastSent": h.last_sent, "url": h.url}
        for h in _hub(request).hooks.values()
    ]
    return render_json({"webhooks": hooks})


@router.post("/webhooks", status_code=201)
async def create_webhook(request: Request, spec: WebhookSpec) -> Response:
    request.app.state.tracker.start_snapshots()
    hook = _hub(request).create(**_validated(request, spec))
    return render_json({**hook.public(), "privateKey": hook.private_key}, status=201)


@router.get("/webhooks/{webhook_id}")
async def get_webhook(request: Request, webhook_id: str) -> Response:
    return render_json(_hook(request, webhook_id).public())


@router.put("/webhooks/{webhook_id}")
async def update_webhook(request: Request, webhook_id: str, spec: WebhookSpec) -> Response:
    hook = _hook(request, webhook_id)
    for name, value in _validated(request, spec).items():
        setattr(hook, name, value)
    return render_json(hook.public())


@router.delete("/webhooks/{webhook_id}")
async def delete_webhook(request: Request, webhook_id: str) -> Response:
    _hook(request, webhook_id)
    del _hub(request).hooks[webhook_id]
    return Response(status_code=200)


@router.get("/webhooks/{webhook_id}/log")
async def webhook_log(request: Request, webhook_id: str) -> Response:
    return render_json(_hook(request, webhook_id).log_summary())
