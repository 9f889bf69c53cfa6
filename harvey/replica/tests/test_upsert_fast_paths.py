"""ReplicaWriter's fast paths give the same replica as the plain upsert: records straight to rows, COPY into
an organization's empty table, and the staging table reused across batches of one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from harvey.replica.models import Candidate, Employee
from harvey.replica.registry import canonical_to_rows
from harvey.replica.upsert import ReplicaWriter
from hrmodel import canonical as c

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COMPARED = ("external_id", "email", "job_title", "manager_id", "hire_date", "skills", "employment_status")


def employee(xid: str, *, title: str = "Engineer", at: dt.datetime = T0, **extra) -> c.EmployeeDetail:
    return c.EmployeeDetail.model_validate(
        {
            "id": xid,
            "employee_id": xid,
            "first_name": "Asha",
            "last_name": xid,
            "email": f"{xid}@Acme.test",
            "employment_status": "active",
            "job_title": title,
            "manager_id": "E0",
            "hire_date": "2021-04-01",
            "skills": ["Python", "SQL"],
            "updated_at": at,
            **extra,
        }
    )


def stored(organization_id: int, model=Employee, fields=COMPARED) -> list[tuple]:
    return list(model.all_objects.filter(organization_id=organization_id).order_by("external_id").values_list(*fields))


def test_upsert_records_writes_what_upsert_of_canonical_rows_writes(organization):
    from harvey.organizations.models import Organization

    other = Organization.objects.create(name="Globex", slug="globex")
    records = [employee("E1"), employee("E2", title="Lead", termination_date="2026-02-01")]
    ReplicaWriter("employees", organization.id, "mock").upsert_records(records)
    ReplicaWriter("employees", other.id, "mock").upsert([canonical_to_rows("employees", r)[0] for r in records])
    assert stored(organization.id) == stored(other.id)
    assert stored(organization.id)[0][1] == "e1@acme.test"  # validated values, not the raw payload


def test_nested_json_fields_are_stored_as_their_json_dump(organization):
    candidate = c.CandidateDetail.model_validate(
        {
            "id": "C1",
            "candidate_id": "C1",
            "first_name": "Ravi",
            "email": "ravi@acme.test",
            "current_stage": "screening",
            "status": "active",
            "education": [{"degree": "B.Tech", "institution": "IIT", "year": 2019}],
            "updated_at": T0,
        }
    )
    ReplicaWriter("candidates", organization.id, "mock").upsert_records([candidate])
    row = Candidate.objects.get(external_id="C1")
    assert row.education == candidate.model_dump(mode="json")["education"]


def test_a_record_seen_twice_in_a_first_sync_falls_back_to_the_upsert(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    first = writer.upsert_records([employee("E1"), employee("E2")])
    again = writer.upsert_records([employee("E2", title="Staff", at=T0 + dt.timedelta(hours=1)), employee("E3")])
    assert (first.inserted, again.inserted, again.updated) == (2, 1, 1)
    assert Employee.objects.get(external_id="E2").job_title == "Staff"
    assert Employee.objects.count() == 3


def test_an_unchanged_rerun_writes_nothing(organization):
    ReplicaWriter("employees", organization.id, "mock").upsert_records([employee("E1"), employee("E2")])
    before = stored(organization.id, fields=("external_id", "synced_at"))
    counts = ReplicaWriter("employees", organization.id, "mock").upsert_records([employee("E1"), employee("E2")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 2)
    assert stored(organization.id, fields=("external_id", "synced_at")) == before


def test_several_batches_in_one_transaction_each_count_only_their_own_rows(organization):
    ReplicaWriter("employees", organization.id, "mock").upsert_records([employee("E1")])
    writer = ReplicaWriter("employees", organization.id, "mock")
    with transaction.atomic():
        first = writer.upsert_records([employee("E1", title="Lead", at=T0 + dt.timedelta(hours=1))])
        second = writer.upsert_records([employee("E2")])
    assert (first.updated, first.inserted, second.updated, second.inserted) == (1, 0, 0, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_a_batch_is_one_statement_per_kind_of_work(organization, django_assert_max_num_queries):
    writer = ReplicaWriter("employees", organization.id, "mock")
    writer.upsert_records([employee("E1")])
    writer.upsert_records([employee("E1")])  # seen twice: the writer has left the first-sync COPY path
    # look up the managers named (one query per reference the batch fills), create-if-missing staging,
    # clear it, (COPY), INSERT … ON CONFLICT
    with django_assert_max_num_queries(4):
        writer.upsert_records([employee(f"E{i}") for i in range(1, 200)])


def department(xid: str) -> c.Department:
    return c.Department.model_validate({"id": xid, "department_id": xid, "name": xid, "updated_at": T0})


def links(organization_id: int) -> dict[str, tuple[str | None, str | None]]:
    """external id -> (its manager's external id, its department's external id), read through the FKs."""
    rows = Employee.all_objects.filter(organization_id=organization_id)
    return {
        row.external_id: (
            row.manager_ref.external_id if row.manager_ref else None,
            row.department_ref.external_id if row.department_ref else None,
        )
        for row in rows.select_related("manager_ref", "department_ref")
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite links in resolve_references only")
def test_references_to_stored_records_are_filled_as_the_rows_are_written(organization):
    ReplicaWriter("departments", organization.id, "mock").upsert_records([department("D1")])
    writer = ReplicaWriter("employees", organization.id, "mock")
    writer.upsert_records([employee("E0", manager_id=None)])
    writer.upsert_records([employee("E1", department_id="D1"), employee("E2", manager_id="E1")])
    assert links(organization.id) == {"E0": (None, None), "E1": ("E0", "D1"), "E2": ("E1", None)}


def test_a_reference_to_a_later_page_is_linked_once_its_record_arrives(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    started = dt.datetime.now(dt.UTC)
    writer.upsert_records([employee("E1", manager_id="E9")])
    writer.upsert_records([employee("E9", manager_id=None)])
    writer.resolve_references(touched_since=started)
    assert links(organization.id)["E1"] == ("E9", None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="id reservation is the PostgreSQL first-sync path")
def test_a_first_sync_writes_forward_links_with_the_row_without_a_relink_pass(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    writer.upsert_records([employee("E1", manager_id="E9")])
    writer.upsert_records([employee("E9", manager_id=None)])
    assert links(organization.id)["E1"] == ("E9", None)  # the id reserved for E9 is the one it was given


def test_a_forward_link_whose_record_never_comes_is_cleared_and_the_external_id_kept(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    started = dt.datetime.now(dt.UTC)
    writer.upsert_records([employee("E1", manager_id="E404")])
    writer.resolve_references(touched_since=started)
    row = Employee.objects.get(organization_id=organization.id, external_id="E1")
    assert row.manager_ref_id is None
    assert row.manager_id == "E404"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite links in resolve_references only")
def test_the_upsert_path_links_updated_rows_to_stored_targets(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    writer.upsert_records([employee("E0", manager_id=None), employee("E1", manager_id=None)])
    later = ReplicaWriter("employees", organization.id, "mock")  # not a first sync: stage + upsert
    counts = later.upsert_records([employee("E1", title="Lead", at=T0 + dt.timedelta(hours=1))])
    assert (counts.updated, links(organization.id)["E1"]) == (1, ("E0", None))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="batches are prepared ahead on PostgreSQL only")
def test_batches_prepared_ahead_for_the_first_sync_path_are_upserted_once_that_path_ends(organization):
    """The sync prepares the next pages while one is written: a page prepared for a bare COPY whose write
    meets a record already stored (the fast path ends there) and a page prepared before that happened are
    both written exactly, and their links settle."""
    writer = ReplicaWriter("employees", organization.id, "mock")
    writer.upsert_records([employee("E1", manager_id=None)])
    later = T0 + dt.timedelta(hours=1)
    twice = writer.prepare_records([employee("E1", title="Staff", at=later, manager_id=None), employee("E2")])
    after = writer.prepare_records([employee("E3", manager_id="E2")])
    assert twice.fresh
    assert after.fresh
    with transaction.atomic():
        counts = [writer.write_prepared(twice), writer.write_prepared(after)]
        writer.resolve_references()
    assert [(n.inserted, n.updated) for n in counts] == [(1, 1), (1, 0)]
    rows = {e.external_id: e for e in Employee.objects.filter(organization_id=organization.id)}
    assert rows["E1"].job_title == "Staff"
    assert rows["E3"].manager_ref_id == rows["E2"].pk
    assert rows["E2"].manager_ref_id is None


def test_prepare_records_leaves_what_it_cannot_prepare_to_upsert_records(organization):
    writer = ReplicaWriter("employees", organization.id, "mock")
    mixed = [employee("E1"), c.Employee.model_validate(employee("E2").model_dump())]
    assert writer.prepare_records(mixed) is None
    assert writer.prepare_records([]) is None
    assert writer.upsert_records(mixed).inserted == 2


def test_a_record_deleted_here_comes_back_even_when_its_data_is_unchanged(organization):
    """Unchanged records are skipped by their stored digest — but only while their row is live."""
    ReplicaWriter("employees", organization.id, "mock").upsert_records([employee("E1"), employee("E2")])
    ReplicaWriter("employees", organization.id, "mock").soft_delete([("E1", T0 + dt.timedelta(hours=1))])
    back = employee("E1", at=T0 + dt.timedelta(hours=2))  # the same data, restored after the deletion
    counts = ReplicaWriter("employees", organization.id, "mock").upsert_records([back, employee("E2")])
    assert (counts.updated, counts.unchanged) == (1, 1)
    assert Employee.objects.filter(organization_id=organization.id).count() == 2


def test_one_changed_field_among_unchanged_records_is_written(organization):
    ReplicaWriter("employees", organization.id, "mock").upsert_records([employee("E1"), employee("E2")])
    later = T0 + dt.timedelta(minutes=1)
    counts = ReplicaWriter("employees", organization.id, "mock").upsert_records(
        [employee("E1"), employee("E2", skills=["Python", "SQL", "Go"], at=later)]
    )
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    assert Employee.objects.get(external_id="E2").skills == ["Python", "SQL", "Go"]
