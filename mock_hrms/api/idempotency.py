"""Idempotency-Key for POST/PATCH on the HRMS API: a retried write is answered, not applied twice.

The first response to a key is stored with a fingerprint of (method, path, body). The same key with the
same fingerprint returns that response again (same status and body, plus `Idempotent-Replayed: true`);
the same key with another request is 422 `idempotency_key_reused`; a key whose first request is still
running is 409 `idempotency_key_in_use`. Only executed outcomes are stored — 2xx and the 4xx the handler
decided (404/409/422) — not 401s, 429s or 5xx, so a client retrying after those gets a fresh attempt.
Keys are scoped to the Authorization header and replays require a currently valid token.
Only a request that a route will execute is subject to these rules: a wrong method or an unknown path is
the router's 405 or 404, whatever key it carries, and nothing is recorded for it.
The store is in memory, bounded by age (24 h) and count (100k, oldest evicted first).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import Header
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_hrms.api.errors import error_body
from mock_hrms.api.routing import is_routed

IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})
STORED_STATUSES = frozenset({200, 201, 202, 204, 400, 404, 409, 422})
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored_at: float


class IdempotencyStore:
    """Bounded in-memory map from (credential, key) to the first response, evicting by age and count."""

    def __init__(self, ttl_seconds: float = 24 * 3600, max_entries: int = 100_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], StoredResponse] = OrderedDict()
        self.in_flight: set[tuple[str, str]] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str]) -> StoredResponse | None:
        self._expire()
        return self._entries.get(key)

    def put(self, key: tuple[str, str], response: StoredResponse) -> None:
        self._entries[key] = response
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _expire(self) -> None:
        horizon = time.monotonic() - self.ttl_seconds
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest.stored_at >= horizon:
                break
            self._entries.popitem(last=False)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the JSON body up to key order and spacing."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), canonical))).hexdigest()


class IdempotencyMiddleware:
    """ASGI middleware implementing the store's rules for POST/PATCH under /api/.

    `routes` are the application's routes: the middleware runs before routing, and asks them whether the
    request's path has its method before it applies any rule of the key.
    """

    def __init__(
        self,
        app: ASGIApp,
        store: IdempotencyStore,
        is_authenticated: Callable[[str | None], bool],
        routes: Sequence[BaseRoute],
    ) -> None:
        self.app = app
        self.store = store
        self.is_authenticated = is_authenticated
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in IDEMPOTENT_METHODS:  # GETs pass at no cost
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        routed = scope["path"].startswith("/api/") and is_routed(self.routes, scope)
        if key is None or not routed:  # no key, or not a write a route executes: the router's own 404/405
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_error(send, 422, "invalid_idempotency_key", "Idempotency-Key must be 1-255 characters.")
            return
        authorization = _header(scope, b"authorization") or ""
        body, receive = await _read_body(receive)
        store_key = (hashlib.sha256(authorization.encode()).hexdigest(), key)
        print_ = fingerprint(scope["method"], scope["path"], body)
        stored = self.store.get(store_key)
        if stored is not None and self.is_authenticated(authorization):
            if stored.fingerprint != print_:
                await _send_error(
                    send, 422, "idempotency_key_reused", "This Idempotency-Key was used for a different request."
                )
                return
            headers = [*stored.headers, (b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": stored.status, "headers": headers})
            await send({"type": "http.response.body", "body": stored.body})
            return
        if store_key in self.store.in_flight:
            await _send_error(send, 409, "idempotency_key_in_use", "A request with this Idempotency-Key is running.")
            return
        await self._run_and_store(scope, receive, send, store_key, print_)

    async def _run_and_store(self, scope: Scope, receive: Receive, send: Send, store_key, print_: str) -> None:
        captured: dict = {"status": 0, "headers": [], "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        self.store.in_flight.add(store_key)
        try:
            await self.app(scope, receive, capture)
        finally:
            self.store.in_flight.discard(store_key)
        if captured["status"] in STORED_STATUSES:
            stored = StoredResponse(
                print_, captured["status"], captured["headers"], b"".join(captured["body"]), time.monotonic()
            )
            self.store.put(store_key, stored)


async def declare_idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="Retry-safe writes: the same key and body returns the first response again.",
        ),
    ] = None,
) -> None:
    """Route dependency that only documents the header in OpenAPI; IdempotencyMiddleware does the work."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1").strip()
    return None


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body and return a `receive` that replays it to the application."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = error_body(code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
