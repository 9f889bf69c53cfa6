"""ReplicaWriter: bulk upserts that skip no-op rows, never go backwards in time, and resolve references."""

from __future__ import annotations

import datetime as dt

import pytest

from harvey.replica.models import Employee
from harvey.replica.upsert import ReplicaWriter

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def employee(xid: str, *, manager: str | None = None, title: str = "Engineer", at: dt.datetime = T0, **extra):
    return {
        "external_id": xid,
        "employee_id": xid,
        "first_name": "Asha",
        "last_name": xid,
        "email": f"{xid.lower()}@acme.test",
        "employment_status": "active",
        "job_title": title,
        "manager_id": manager,
        "skills": ["Python", "SQL"],
        "source_updated_at": at,
        **extra,
    }


@pytest.fixture
def writer(organization) -> ReplicaWriter:
    return ReplicaWriter("employees", organization.id, "mock")


def test_first_write_inserts_every_row(writer):
    counts = writer.upsert([employee("E1"), employee("E2")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 0, 0)
    assert Employee.objects.get(external_id="E2").skills == ["Python", "SQL"]


def test_identical_rows_are_not_written_again(writer):
    writer.upsert([employee("E1"), employee("E2")])
    before = Employee.objects.get(external_id="E1").synced_at
    counts = writer.upsert([employee("E1"), employee("E2")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 2)
    assert Employee.objects.get(external_id="E1").synced_at == before


def test_a_changed_row_is_updated_and_only_it(writer):
    writer.upsert([employee("E1"), employee("E2")])
    later = T0 + dt.timedelta(hours=1)
    counts = writer.upsert([employee("E1", title="Staff Engineer", at=later), employee("E2")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    assert Employee.objects.get(external_id="E1").job_title == "Staff Engineer"


def test_an_older_version_never_overwrites_a_newer_one(writer):
    writer.upsert([employee("E1", title="Staff Engineer", at=T0 + dt.timedelta(hours=1))])
    counts = writer.upsert([employee("E1", title="Engineer", at=T0)])
    assert counts.updated == 0
    assert Employee.objects.get(external_id="E1").job_title == "Staff Engineer"


def test_duplicate_ids_in_one_batch_keep_the_newest(writer):
    counts = writer.upsert(
        [employee("E1", title="Old", at=T0), employee("E1", title="New", at=T0 + dt.timedelta(minutes=5))]
    )
    assert counts.inserted == 1
    assert Employee.objects.get(external_id="E1").job_title == "New"


def test_rows_are_scoped_to_their_organization(writer, organization):
    from harvey.organizations.models import Organization

    other = Organization.objects.create(name="Globex", slug="globex")
    writer.upsert([employee("E1")])
    ReplicaWriter("employees", other.id, "mock").upsert([employee("E1", title="Globex title")])
    assert Employee.objects.get(organization=organization, external_id="E1").job_title == "Engineer"
    assert Employee.objects.get(organization=other, external_id="E1").job_title == "Globex title"


def test_tombstone_soft_deletes_and_a_stale_one_does_not(writer):
    writer.upsert([employee("E1", at=T0), employee("E2", at=T0 + dt.timedelta(hours=2))])
    deleted = writer.soft_delete([("E1", T0 + dt.timedelta(hours=1)), ("E2", T0 + dt.timedelta(hours=1))])
    assert deleted == 1
    assert not Employee.objects.filter(external_id="E1").exists()
    assert Employee.all_objects.get(external_id="E1").deleted_at is not None
    assert Employee.objects.filter(external_id="E2").exists()


def test_a_deleted_record_that_comes_back_is_live_again(writer):
    writer.upsert([employee("E1", at=T0)])
    writer.soft_delete([("E1", T0 + dt.timedelta(hours=1))])
    counts = writer.upsert([employee("E1", at=T0 + dt.timedelta(hours=2))])
    assert counts.updated == 1
    assert Employee.objects.filter(external_id="E1").exists()


def test_a_manager_synced_after_the_report_is_resolved_later(writer):
    writer.upsert([employee("E2", manager="E1")])
    writer.resolve_references()
    assert Employee.objects.get(external_id="E2").manager_ref is None
    assert Employee.objects.get(external_id="E2").manager_id == "E1"  # kept, not dropped
    start = dt.datetime.now(dt.UTC)
    writer.upsert([employee("E1")])
    writer.resolve_references(touched_since=start)
    report = Employee.objects.get(external_id="E2")
    assert report.manager_ref == Employee.objects.get(external_id="E1")


def test_soft_delete_missing_keeps_only_the_roster(writer):
    writer.upsert([employee("E1"), employee("E2"), employee("E3")])
    missing = writer.soft_delete_missing({"E1", "E3"})
    assert missing == ["E2"]
    assert sorted(Employee.objects.values_list("external_id", flat=True)) == ["E1", "E3"]
