"""build_page with a schema validates a page a chunk per call (and build_page_from_json straight from the body),
yet a bad record is still named and set aside and a tombstone is never a live record."""

from __future__ import annotations

import orjson
import pytest

from hrmodel import canonical as c
from integrations.hrms.adapters.mock import mappers
from integrations.hrms.errors import HRMSError
from integrations.hrms.mapping import build_page, build_page_from_json


def raw_employee(xid: str, **changes) -> dict:
    return {
        "id": xid,
        "employee_id": xid,
        "first_name": "Asha",
        "email": f"{xid.lower()}@acme.test",
        "employment_status": "active",
        "updated_at": "2026-01-01T00:00:00+00:00",
        **changes,
    }


def page_of(items: list[dict]):
    return build_page("employees", items, mappers.to_canonical_employee, cursor="next", schema=c.EmployeeDetail)


def test_a_valid_page_gives_every_record_in_order():
    page = page_of([raw_employee("E1"), raw_employee("E2")])
    assert [r.id for r in page.records] == ["E1", "E2"]
    assert isinstance(page.records[0], c.EmployeeDetail)
    assert (page.fetched, page.invalid, page.cursor) == (2, [], "next")


def test_one_bad_record_is_named_and_the_rest_of_the_page_goes_on():
    page = page_of([raw_employee("E1"), raw_employee("E2", email="not-an-email"), raw_employee("E3")])
    assert [r.id for r in page.records] == ["E1", "E3"]
    assert [(e.external_id, "email" in e.reason) for e in page.invalid] == [("E2", True)]


def test_tombstones_are_sorted_out_before_the_records_are_validated():
    tombstone = {"id": "E9", "deleted": True, "updated_at": "2026-01-02T00:00:00+00:00"}
    page = page_of([raw_employee("E1"), tombstone])
    assert [r.id for r in page.records] == ["E1"]
    assert [t.id for t in page.tombstones] == ["E9"]
    assert page.fetched == 2


# ---------------------------------------------------------------------------------- from the body's bytes


def page_from_bytes(items: list, next_cursor=None, **extra):
    body = orjson.dumps({"data": items, "total": len(items), "next_cursor": next_cursor, **extra})
    return build_page_from_json("employees", body, mappers.to_canonical_employee, schema=c.EmployeeDetail)


def test_a_page_from_bytes_equals_the_page_built_from_parsed_items():
    items = [raw_employee(f"E{n}", skills=["SQL"], manager_id="E0", hire_date="2020-02-29") for n in range(250)]
    fast = page_from_bytes(items, next_cursor="abc")
    slow = build_page("employees", items, mappers.to_canonical_employee, cursor="abc", schema=c.EmployeeDetail)
    assert fast.records == slow.records
    assert (fast.fetched, fast.cursor, fast.invalid, fast.tombstones) == (250, "abc", [], [])


def test_a_page_from_bytes_with_a_tombstone_never_takes_it_for_a_live_record():
    """A deleted record that still carries every field would validate as an employee: the word "deleted"
    in the body sends the page through the item-by-item path."""
    gone = {**raw_employee("E2"), "deleted": True}
    page = page_from_bytes([raw_employee("E1"), gone])
    assert [r.id for r in page.records] == ["E1"]
    assert [t.id for t in page.tombstones] == ["E2"]


def test_a_page_from_bytes_with_a_bad_record_names_it_and_keeps_the_rest():
    page = page_from_bytes([raw_employee("E1"), raw_employee("E2", email="nope"), raw_employee("E3")], next_cursor=7)
    assert [r.id for r in page.records] == ["E1", "E3"]
    assert [e.external_id for e in page.invalid] == ["E2"]
    assert page.cursor == "7"


def test_a_last_page_from_bytes_has_no_cursor():
    assert page_from_bytes([raw_employee("E1")], next_cursor="").cursor is None
    assert page_from_bytes([]).cursor is None


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"items": []}', b"[1, 2]"])
def test_a_body_that_is_not_a_page_is_an_hrms_error(body):
    with pytest.raises(HRMSError, match="not"):
        build_page_from_json("employees", body, mappers.to_canonical_employee, schema=c.EmployeeDetail)
