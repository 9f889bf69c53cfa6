"""Paging helpers: one hook returns (items, next token or None)."""

from __future__ import annotations

import pytest

from integrations.hrms.errors import HRMSError
from integrations.hrms.http import iterate_items, next_cursor, next_offset, next_page_number, paginate

PAGES = {None: ([1, 2], "b"), "b": ([3, 4], "c"), "c": ([5], None)}


async def fetch(token):
    return PAGES[token]


async def test_paginate_yields_every_page_with_its_tokens() -> None:
    pages = [p async for p in paginate(fetch)]
    assert [(p.items, p.token, p.next_token) for p in pages] == [
        ([1, 2], None, "b"),
        ([3, 4], "b", "c"),
        ([5], "c", None),
    ]


async def test_paginate_resumes_from_a_token() -> None:
    assert [item async for item in iterate_items(fetch, "c")] == [5]


async def test_a_token_that_repeats_is_refused_instead_of_looping() -> None:
    async def stuck(token):
        return [1], "same"

    with pytest.raises(HRMSError, match="did not advance"):
        async for _ in paginate(stuck):
            pass


def test_next_cursor() -> None:
    assert next_cursor({"next_cursor": "abc"}) == "abc"
    assert next_cursor({"next_cursor": None}) is None
    assert next_cursor({}) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"page": 1, "received": 10, "page_size": 10}, 2),
        ({"page": 2, "received": 3, "page_size": 10}, None),
        ({"page": 1, "received": 0, "page_size": 10}, None),
        ({"page": 2, "received": 10, "page_size": 10, "total": 20}, None),
        ({"page": 1, "received": 10, "page_size": 10, "total": 21}, 2),
        ({"page": 3, "received": 10, "page_size": 10, "total_pages": 3}, None),
    ],
)
def test_next_page_number(kwargs, expected) -> None:
    assert next_page_number(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"offset": 0, "received": 50, "limit": 50}, 50),
        ({"offset": 50, "received": 20, "limit": 50}, None),
        ({"offset": 0, "received": 50, "limit": 50, "total": 50}, None),
        ({"offset": 0, "received": 0, "limit": 50}, None),
    ],
)
def test_next_offset(kwargs, expected) -> None:
    assert next_offset(**kwargs) == expected
