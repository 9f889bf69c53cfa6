"""Paging written once: a vendor supplies one hook that fetches a page and returns the next token or None.

Airbyte's rule: `fetch_page(token) -> (items, next_token | None)`; `None` means "that was the last page".
The token is whatever the vendor pages by — a cursor string, a page number, an offset. `paginate` yields
each page with the token that fetched it and the token after it, so a sync can checkpoint `next_token` once
the page is committed and resume there. A vendor bug that hands back a token already used would loop
forever; it is refused with a (non-retryable) HRMSError.

The `next_*` helpers compute the next token for the three styles vendors use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..errors import HRMSError

T = TypeVar("T")
Token = TypeVar("Token", bound=Hashable)

FetchPage = Callable[[Token | None], Awaitable[tuple[Sequence[T], Token | None]]]


@dataclass(frozen=True)
class Page(Generic[T, Token]):
    items: Sequence[T]
    #: The token that fetched this page (None for the first page when paging starts without one).
    token: Token | None
    #: The token of the page after this one; None on the last page.
    next_token: Token | None


async def paginate(fetch_page: FetchPage[T, Token], first_token: Token | None = None) -> AsyncIterator[Page[T, Token]]:
    """Every page, in order, until `fetch_page` returns no next token."""
    token = first_token
    seen: set[Hashable] = set()
    while True:
        items, next_token = await fetch_page(token)
        yield Page(items=items, token=token, next_token=next_token)
        if next_token is None:
            return
        seen.add(token)
        if next_token in seen:
            raise HRMSError(f"paging did not advance: token {next_token!r} was already used")
        token = next_token


async def iterate_items(fetch_page: FetchPage[T, Token], first_token: Token | None = None) -> AsyncIterator[T]:
    """Every item of every page, for callers that do not checkpoint per page."""
    async for page in paginate(fetch_page, first_token):
        for item in page.items:
            yield item


def next_cursor(body: Mapping[str, Any], key: str = "next_cursor") -> str | None:
    """Cursor style (the canonical API's keyset paging): the body names the next cursor; empty means done."""
    value = body.get(key)
    return str(value) if value else None


def next_page_number(
    page: int, *, received: int, page_size: int, total: int | None = None, total_pages: int | None = None
) -> int | None:
    """Page-number style (1-based). Uses the totals when the vendor gives them; otherwise a short page is
    the last."""
    if received == 0:
        return None
    if total_pages is not None:
        return page + 1 if page < total_pages else None
    if total is not None:
        return page + 1 if page * page_size < total else None
    return page + 1 if received >= page_size else None


def next_offset(offset: int, *, received: int, limit: int, total: int | None = None) -> int | None:
    """Offset/limit style. Uses the total when given; otherwise a short page is the last."""
    if received == 0:
        return None
    following = offset + received
    if total is not None:
        return following if following < total else None
    return following if received >= limit else None
