"""build_page with a schema validates a page in one call, yet a bad record is still named and set aside."""

from __future__ import annotations

from integrations.hrms import canonical as c
from integrations.hrms.adapters.mock import mappers
from integrations.hrms.mapping import build_page


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
