"""The list endpoints' shared query parameters and their fast response path.

Two ways to page, both on every list endpoint:
- the seed's offset paging: `page=N&page_size=S`, ordered by id; `next_cursor` is null;
- keyset paging for syncs: no `page` (or a `cursor` from the previous response), ordered by
  `(updated_at, id)`; `next_cursor` is the next page's cursor, null on the last page. Records that change
  while a client pages move behind its cursor and are seen again, never skipped. The response's `page` is 1.
Plus `updated_since` (inclusive, ISO 8601; a naive value means UTC) and `include_deleted` (tombstones
{"id", "deleted": true, "updated_at"}).

Responses are built from the world's pre-serialised orjson record bytes joined into the envelope, with no
pydantic model per record: this is what lets one client read 100k+ records/s. The routes still declare
`response_model`, so the OpenAPI document describes exactly these bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import orjson
from fastapi import Query
from fastapi.responses import Response

from mock_hrms.api.errors import ApiError, error_responses
from mock_hrms.world.table import PageResult, Table, invalid_cursor

MAX_PAGE_SIZE = 1000
JSON = "application/json"

# `responses=` of every list endpoint: the document tells a client that a cursor is opaque and that one this
# server did not issue (or an empty one) is a 400 `invalid_cursor`, with the very body the server sends.
_INVALID_CURSOR = invalid_cursor()
LIST_RESPONSES = {
    **error_responses(400, 422),
    400: {
        **error_responses(400)[400],
        "description": "The `cursor` is empty or not one this server issued (`invalid_cursor`); page again without it",
        "content": {
            JSON: {
                "example": {
                    "error": _INVALID_CURSOR.code,
                    "message": _INVALID_CURSOR.message,
                    "details": _INVALID_CURSOR.details(),
                }
            }
        },
    },
}


@dataclass(frozen=True, slots=True)
class ListParams:
    """Paging and change-tracking parameters common to every list endpoint."""

    page: int | None
    page_size: int
    cursor: str | None
    updated_since: dt.datetime | None
    include_deleted: bool
    view: str = "list"

    def fetch(self, table: Table, where: Callable[[dict], bool] | None = None) -> PageResult:
        """One page of `table` as these parameters ask (the cursor, when given, wins over `page`)."""
        page = None if self.cursor is not None else self.page
        return table.page(
            cursor=self.cursor,
            page=page,
            page_size=self.page_size,
            updated_since=self.updated_since,
            include_deleted=self.include_deleted,
            where=where,
        )

    @property
    def response_page(self) -> int:
        return 1 if self.cursor is not None or self.page is None else self.page


def list_params(default_page_size: int) -> Callable[..., ListParams]:
    """A FastAPI dependency parsing the list parameters, with the seed's default page size per resource."""

    # async: FastAPI runs a plain `def` dependency in a worker thread, two thread hand-offs per request.
    async def dependency(
        page: Annotated[
            int | None,
            Query(ge=1, le=1_000_000, description="Offset paging (seed style), ordered by id. Omit for keyset paging."),
        ] = None,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Records per page.")] = (default_page_size),
        cursor: Annotated[
            str | None,
            Query(
                max_length=512,
                description="Keyset paging: the `next_cursor` of the previous page. `page` is then ignored.",
            ),
        ] = None,
        updated_since: Annotated[
            dt.datetime | None,
            Query(description="Only records changed at or after this instant (ISO 8601; naive means UTC)."),
        ] = None,
        include_deleted: Annotated[
            bool, Query(description='Also return deleted records as tombstones {"id","deleted":true,"updated_at"}.')
        ] = False,
        view: Annotated[
            Literal["list", "detail"],
            Query(
                description="Extension for syncs: `detail` returns each record in its detail shape (as the "
                "detail endpoint would), so a sync needs no request per record."
            ),
        ] = "list",
    ) -> ListParams:
        if updated_since is not None and updated_since.tzinfo is None:
            updated_since = updated_since.replace(tzinfo=dt.UTC)
        if cursor is not None and not cursor.strip():
            raise ApiError(400, "invalid_cursor", "The cursor is empty.", [{"field": "query.cursor"}])
        return ListParams(page, page_size, cursor, updated_since, include_deleted, view)

    return dependency


def render_page(table: Table, result: PageResult, params: ListParams, shape: str | None = None) -> Response:
    """The list envelope {"data","total","page","page_size","next_cursor"} from cached record bytes."""
    shape = shape or params.view
    pieces = table.json_many(result.items, shape)  # tombstones serialise as themselves
    return render_items(pieces, result.total, params, result.next_cursor)


def render_items(pieces: list[bytes], total: int, params: ListParams, next_cursor: str | None) -> Response:
    """The list envelope around already-serialised items (for derived lists such as leave balances)."""
    tail = orjson.dumps(
        {"total": total, "page": params.response_page, "page_size": params.page_size, "next_cursor": next_cursor}
    )
    return Response(b"".join((b'{"data":[', b",".join(pieces), b"],", tail[1:])), media_type=JSON)


def require_live(table: Table, id: str) -> dict:
    """The live record with this id, or a 404 ErrorBody naming the entity."""
    record = table.get(id)
    if record is None:
        singular = table.entity[:-1]
        raise ApiError(404, f"{singular}_not_found", f"No {singular.replace('_', ' ')} with id {id!r}.")
    return record


def render_record(table: Table, id: str, shape: str = "detail") -> Response:
    """One live record as raw JSON bytes (a 404 if there is none)."""
    require_live(table, id)
    return Response(table.json_bytes(id, shape), media_type=JSON)


def render_json(value: object, status: int = 200) -> Response:
    """Any JSON-ready value as an orjson response."""
    return Response(orjson.dumps(value), status_code=status, media_type=JSON)
