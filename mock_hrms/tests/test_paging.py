"""Paging on every list endpoint: the seed's offset paging, keyset cursors, updated_since, tombstones."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hrmodel.canonical import Employee

LISTS = ["employees", "departments", "job-requisitions", "candidates", "interviews", "leave-requests"]
DEFAULT_PAGE_SIZES = {"employees": 50, "departments": 20, "job-requisitions": 20, "candidates": 20}


async def all_by_cursor(client: httpx.AsyncClient, path: str, **params) -> list[dict]:
    records, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(path, params=query)).json()
        records += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return records


@pytest.mark.parametrize("entity", LISTS)
async def test_every_list_has_the_envelope_with_next_cursor(mock_hrms_client, entity):
    body = (await mock_hrms_client.get(f"/api/v1/{entity}")).json()
    assert set(body) == {"data", "total", "page", "page_size", "next_cursor"}
    assert body["page"] == 1
    assert body["page_size"] == DEFAULT_PAGE_SIZES.get(entity, 20)


@pytest.mark.parametrize("entity", LISTS)
async def test_cursor_paging_returns_every_record_exactly_once(mock_hrms_client, entity):
    params = {"status": "all"} if entity == "job-requisitions" else {}
    records = await all_by_cursor(mock_hrms_client, f"/api/v1/{entity}", page_size=7, **params)
    total = (await mock_hrms_client.get(f"/api/v1/{entity}", params=params)).json()["total"]
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == total


async def test_offset_pages_are_ordered_by_id_and_do_not_overlap(mock_hrms_client):
    one = (await mock_hrms_client.get("/api/v1/employees", params={"page": 1, "page_size": 50})).json()
    two = (await mock_hrms_client.get("/api/v1/employees", params={"page": 2, "page_size": 50})).json()
    ids = [e["id"] for e in one["data"] + two["data"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 100
    assert two["page"] == 2
    assert two["next_cursor"] is None


async def test_a_page_past_the_end_is_empty_not_an_error(mock_hrms_client):
    body = (await mock_hrms_client.get("/api/v1/employees", params={"page": 99})).json()
    assert body["data"] == []
    assert body["total"] == 150


async def test_list_records_have_the_list_shape_not_the_detail_shape(mock_hrms_client):
    record = (await mock_hrms_client.get("/api/v1/employees")).json()["data"][0]
    assert set(record) == set(Employee.model_fields)


async def test_updated_since_returns_exactly_the_records_changed_at_or_after_it(mock_hrms_client):
    records = await all_by_cursor(mock_hrms_client, "/api/v1/employees", page_size=1000)
    stamps = sorted(dt.datetime.fromisoformat(r["updated_at"]) for r in records)
    pivot = stamps[len(stamps) // 2]
    expected = {r["id"] for r in records if dt.datetime.fromisoformat(r["updated_at"]) >= pivot}
    got = await all_by_cursor(mock_hrms_client, "/api/v1/employees", page_size=1000, updated_since=pivot.isoformat())
    assert {r["id"] for r in got} == expected


async def test_a_naive_updated_since_means_utc(mock_hrms_client):
    records = await all_by_cursor(mock_hrms_client, "/api/v1/employees", page_size=1000)
    pivot = sorted(dt.datetime.fromisoformat(r["updated_at"]) for r in records)[75].astimezone(dt.UTC)
    aware = (await mock_hrms_client.get("/api/v1/employees", params={"updated_since": pivot.isoformat()})).json()
    naive = pivot.replace(tzinfo=None).isoformat()
    assert (await mock_hrms_client.get("/api/v1/employees", params={"updated_since": naive})).json() == aware


async def test_deleted_records_come_back_as_tombstones_only_when_asked(mock_hrms_client, mock_hrms_control):
    victim = (await mock_hrms_client.get("/api/v1/candidates")).json()["data"][0]["id"]
    assert (await mock_hrms_control.delete(f"/_control/candidates/{victim}")).status_code == 200
    live = await all_by_cursor(mock_hrms_client, "/api/v1/candidates", page_size=1000)
    assert victim not in {r["id"] for r in live}
    everything = await all_by_cursor(mock_hrms_client, "/api/v1/candidates", page_size=1000, include_deleted=True)
    tombstones = [r for r in everything if r.get("deleted")]
    assert [t["id"] for t in tombstones] == [victim]
    assert set(tombstones[0]) == {"id", "deleted", "updated_at"}
    response = await mock_hrms_client.get(f"/api/v1/candidates/{victim}")
    assert response.status_code == 404


async def test_a_record_changed_while_paging_is_seen_again_not_skipped(mock_hrms_client, mock_hrms_control):
    page = (await mock_hrms_client.get("/api/v1/employees", params={"page_size": 10})).json()
    already_seen = page["data"][0]["id"]
    await mock_hrms_control.patch(f"/_control/employees/{already_seen}", json={"job_title": "Chief Tester"})
    rest = await all_by_cursor(mock_hrms_client, "/api/v1/employees", page_size=10, cursor=page["next_cursor"])
    changed = [r for r in rest if r["id"] == already_seen]
    assert len(changed) == 1
    assert changed[0]["job_title"] == "Chief Tester"


async def test_every_list_endpoint_taking_a_cursor_documents_the_invalid_cursor_400_it_sends(mock_hrms_client):
    """A client reads in /openapi.json what a cursor it did not get from the server earns: 400 invalid_cursor."""
    document = (await mock_hrms_client.get("/openapi.json")).json()
    listed = [
        (path, operation)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if any(parameter["name"] == "cursor" for parameter in operation.get("parameters", []))
    ]
    assert len(listed) >= len(LISTS)
    for path, operation in listed:
        documented = operation["responses"]["400"]["content"]["application/json"]["example"]
        sent = await mock_hrms_client.get(path, params={"cursor": "not-ours!"})
        assert sent.status_code == 400, (path, sent.text)
        assert sent.json() == documented, path
