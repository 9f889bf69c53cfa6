"""Table paging: keyset and offset paging, updated_since, tombstones, the orjson cache."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import orjson
import pytest

from hrmodel import canonical
from mock_hrms.world import BadRequest, generate_world
from mock_hrms.world.records import changed
from mock_hrms.world.table import Table
from mock_hrms.world.tests.conftest import REFERENCE_DATE


def keyset_pages(table, **kwargs):
    """Every page of a keyset walk, following next_cursor to the end."""
    cursor = None
    while True:
        result = table.page(cursor=cursor, **kwargs)
        yield result
        cursor = result.next_cursor
        if cursor is None:
            return


@pytest.fixture(scope="module")
def world_100k():
    return generate_world(seed=11, employees=100_000, reference_date=REFERENCE_DATE)


@pytest.mark.slow
def test_keyset_paging_returns_100k_employees_exactly_once(world_100k):
    table = world_100k.tables["employees"]
    seen, pages = [], 0
    for result in keyset_pages(table, page_size=1000):
        assert result.total == 100_000
        seen.extend(item["id"] for item in result.items)
        pages += 1
    assert pages == 100
    assert len(seen) == len(set(seen)) == 100_000
    assert {"EMP000001", "EMP100000"} <= set(seen)


@pytest.mark.slow
def test_keyset_pages_are_ordered_by_updated_at_then_id(world_100k):
    result = world_100k.tables["leave_requests"].page(page_size=5000)
    keys = [(dt.datetime.fromisoformat(r["updated_at"]), r["id"]) for r in result.items]
    assert keys == sorted(keys)


def test_keyset_paging_under_mutations_never_skips_a_live_record():
    world = generate_world(seed=5, employees=1_500, reference_date=REFERENCE_DATE)
    table = world.tables["employees"]
    seen: set[tuple[str, str]] = set()
    cursor, batch = None, 0
    while True:
        result = table.page(cursor=cursor, page_size=100)
        seen.update((item["id"], item["updated_at"]) for item in result.items)
        if result.next_cursor is None:
            break
        cursor = result.next_cursor
        batch += 1
        world.sim.random_batch(10, seed=batch)
    assert batch >= 14
    unseen = [r["id"] for r in table.values() if (r["id"], r["updated_at"]) not in seen]
    assert unseen == []


def test_offset_paging_returns_every_record_exactly_once(world_5k):
    table = world_5k.tables["leave_requests"]
    seen, page = [], 1
    while True:
        result = table.page(page=page, page_size=333)
        assert result.total == len(table)
        assert result.next_cursor is None
        if not result.items:
            break
        seen.extend(item["id"] for item in result.items)
        page += 1
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == len(table)


def test_updated_since_returns_exactly_the_records_changed_since(world):
    world.sim.random_batch(60, seed=1)
    since = world.clock()
    changes = world.sim.random_batch(40, seed=2)
    assert changes
    for entity, table in world.tables.items():
        expected = sorted(
            r["id"]
            for r in [*table.values(), *table.tombstones()]
            if dt.datetime.fromisoformat(r["updated_at"]) >= since
        )
        result = table.page(updated_since=since, include_deleted=True, page_size=10_000)
        assert sorted(item["id"] for item in result.items) == expected, entity
        assert result.total == len(expected)


def test_updated_since_is_inclusive(default_world):
    table = default_world.tables["employees"]
    record = next(table.values())
    since = dt.datetime.fromisoformat(record["updated_at"])
    ids = [item["id"] for item in table.page(updated_since=since, page_size=500).items]
    assert record["id"] in ids
    assert all(dt.datetime.fromisoformat(table.get(i)["updated_at"]) >= since for i in ids)


def test_updated_since_needs_a_time_zone(default_world):
    with pytest.raises(BadRequest) as caught:
        default_world.tables["employees"].page(updated_since=dt.datetime(2026, 1, 1))
    assert caught.value.status == 400


def test_updated_since_also_filters_offset_pages(world):
    since = world.clock()
    world.sim.update_employee("EMP00002", phone="+91-9000000000")
    result = world.tables["employees"].page(page=1, updated_since=since)
    assert [item["id"] for item in result.items] == ["EMP00002"]
    assert result.total == 1


def test_deleted_record_becomes_a_tombstone(world):
    table = world.tables["leave_requests"]
    leave_id = table.ids()[0]
    live_before = len(table)
    world.sim.delete("leave_requests", leave_id)
    assert table.get(leave_id) is None
    tombstone = table.get_any(leave_id)
    assert set(tombstone) == {"id", "deleted", "updated_at"}
    assert tombstone["deleted"] is True
    canonical.Tombstone.model_validate(tombstone)
    assert len(table) == live_before - 1
    live_ids = {item["id"] for item in table.page(page_size=10_000).items}
    assert leave_id not in live_ids
    with_deleted = table.page(page_size=10_000, include_deleted=True)
    assert tombstone in with_deleted.items
    assert with_deleted.total == live_before


def test_tombstones_sort_by_their_deletion_time(world):
    table = world.tables["candidates"]
    world.sim.delete("candidates", "CAND0001")
    last_page = table.page(include_deleted=True, page_size=1000).items
    assert last_page[-1] == table.get_any("CAND0001")


@pytest.mark.parametrize("cursor", ["not-base64!!", "Zm9v", "", "MTIz", "YWJjfA"])
def test_a_malformed_cursor_is_a_400(default_world, cursor):
    with pytest.raises(BadRequest) as caught:
        default_world.tables["employees"].page(cursor=cursor)
    assert caught.value.code == "invalid_cursor"
    assert caught.value.status == 400


def test_cursor_and_page_cannot_be_combined(default_world):
    first = default_world.tables["employees"].page(page_size=10)
    with pytest.raises(BadRequest):
        default_world.tables["employees"].page(cursor=first.next_cursor, page=2)


@pytest.mark.parametrize("kwargs", [{"page_size": 0}, {"page": 0}])
def test_nonsense_paging_is_a_400(default_world, kwargs):
    with pytest.raises(BadRequest):
        default_world.tables["employees"].page(**kwargs)


def test_where_filters_items_and_total_across_keyset_pages(world_5k):
    table = world_5k.tables["employees"]
    in_sales = sorted(r["id"] for r in table.values() if r["department"] == "Sales")
    seen = []
    for result in keyset_pages(table, page_size=70, where=lambda r: r["department"] == "Sales"):
        assert result.total == len(in_sales)
        seen.extend(item["id"] for item in result.items)
    assert sorted(seen) == in_sales
    assert len(seen) == len(set(seen))


def test_where_filters_offset_pages(world_5k):
    table = world_5k.tables["employees"]
    result = table.page(page=2, page_size=10, where=lambda r: r["employment_status"] == "terminated")
    assert result.total == sum(r["employment_status"] == "terminated" for r in table.values())
    assert all(item["employment_status"] == "terminated" for item in result.items)


def test_json_bytes_serialises_the_detail_record(default_world):
    table = default_world.tables["employees"]
    assert orjson.loads(table.json_bytes("EMP00001")) == table.get("EMP00001")


def test_json_bytes_list_shape_has_only_the_list_fields(default_world):
    table = default_world.tables["employees"]
    listed = orjson.loads(table.json_bytes("EMP00002", shape="list"))
    assert set(listed) == set(canonical.Employee.model_fields)
    assert "skills" not in listed


def test_json_bytes_cache_is_invalidated_by_put(world):
    table = world.tables["employees"]
    before = table.json_bytes("EMP00003")
    table.put(changed(table.get("EMP00003"), world.stamp(), phone="+91-9111111111"))
    after = orjson.loads(table.json_bytes("EMP00003"))
    assert after["phone"] == "+91-9111111111"
    assert table.json_bytes("EMP00003") != before


def test_json_bytes_of_a_deleted_record_is_its_tombstone(world):
    world.sim.delete("leave_requests", "LEAVE00001")
    assert orjson.loads(world.tables["leave_requests"].json_bytes("LEAVE00001"))["deleted"] is True


def test_delete_without_a_time_uses_the_world_clock(world):
    before = world.clock()
    tombstone = world.tables["leave_requests"].delete("LEAVE00002")
    assert dt.datetime.fromisoformat(tombstone["updated_at"]) > before


def test_json_many_gives_each_records_json_bytes_in_page_order(world):
    world.sim.delete("leave_requests", "LEAVE00001")
    table = world.tables["leave_requests"]
    items = table.page(page_size=20, include_deleted=True).items
    for shape in ("detail", "list"):
        assert table.json_many(items, shape) == [table.json_bytes(item["id"], shape) for item in items]


def test_json_many_list_shape_projects_employees_and_keeps_tombstones_whole(world):
    world.tables["employees"].delete("EMP00150")
    table = world.tables["employees"]
    items = table.page(page_size=200, include_deleted=True).items
    decoded = [orjson.loads(data) for data in table.json_many(items, "list")]
    tombstones = [item for item in decoded if item.get("deleted")]
    assert [item["id"] for item in tombstones] == ["EMP00150"]
    assert all(set(item) == set(canonical.Employee.model_fields) for item in decoded if not item.get("deleted"))


def test_unknown_json_shape_is_refused(default_world):
    with pytest.raises(ValueError, match="unknown shape"):
        default_world.tables["employees"].json_bytes("EMP00001", shape="summary")


def test_cached_json_is_right_sized_not_orjsons_working_buffer(world_5k):
    # orjson's own result keeps a buffer of several KiB; caching those directly made a 100k-employee
    # server hold ~800 MiB of JSON and its first pass four times slower.
    source = world_5k.tables["employees"]
    table = Table("employees", source.list_fields)  # a fresh table: nothing is cached yet
    table.bulk_load(dict(record) for record in source.page(page_size=1000).items)
    items = table.page(page_size=1000).items
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pieces = table.json_many(items, "detail")
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 3 * sum(len(piece) for piece in pieces)
