"""A 100,000-employee world: keyset paging returns everyone exactly once, even while HR changes data."""

from __future__ import annotations

import httpx
import pytest

from mock_hrms.api import MockSettings, create_app
from mock_hrms.api.testing import asgi_client

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mock_hrms_large_world")]
SETTINGS = MockSettings(seed=11, employees=100_000)


@pytest.fixture(scope="module")
def big_app():
    return create_app(SETTINGS)


async def page_through(client: httpx.AsyncClient, between_pages=None) -> tuple[list[str], int]:
    ids: list[str] = []
    cursor, pages = None, 0
    while True:
        params = {"page_size": 1000, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/employees", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [record["id"] for record in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        if between_pages is not None:
            await between_pages(pages)


async def test_keyset_paging_returns_each_of_100k_employees_exactly_once(big_app):
    async with asgi_client(big_app, SETTINGS.token) as client:
        total = (await client.get("/api/v1/employees", params={"page_size": 1})).json()["total"]
        ids, pages = await page_through(client)
    assert total >= 100_000
    assert len(ids) == len(set(ids)) == total
    assert pages == -(-total // 1000)


async def test_paging_while_hr_changes_data_misses_no_one(big_app):
    async with (
        asgi_client(big_app, SETTINGS.token) as client,
        asgi_client(big_app, SETTINGS.control_token) as control,
    ):
        before = {r["id"] for r in await all_ids(client)}

        async def simulate(page: int) -> None:
            response = await control.post("/_control/simulate", json={"count": 20, "seed": page})
            assert response.status_code == 200, response.text

        ids, _ = await page_through(client, between_pages=simulate)
        after = {r["id"] for r in await all_ids(client)}
    # Everyone who existed from start to end was seen; changed records may be seen twice, never zero times.
    assert (before & after) <= set(ids)


async def all_ids(client: httpx.AsyncClient) -> list[dict]:
    records, page = [], 1
    while True:
        body = (await client.get("/api/v1/employees", params={"page": page, "page_size": 1000})).json()
        records += body["data"]
        if len(body["data"]) < 1000:
            return records
        page += 1
