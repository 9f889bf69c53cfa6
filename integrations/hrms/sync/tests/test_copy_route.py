"""A first sync's plain pages are committed by the COPY process, in order, with their checkpoints; a record
already stored ends that path without losing or doubling anything; a lost lease commits nothing more.

These tests commit for real (the COPY process has its own connection), so they run on PostgreSQL only."""

from __future__ import annotations

import pytest
from django.db import connection

from harvey.replica import copy_process
from harvey.replica.models import Employee
from integrations.hrms.sync import ledger
from integrations.hrms.sync.engine import sync_entity
from integrations.hrms.sync.models import SyncRun, SyncState, SyncStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY process is PostgreSQL's"),
]
PAGE = 20


@pytest.fixture
def copying(harness, settings, monkeypatch):
    settings.HARVEY_SYNC_COPY_PROCESS = 1
    harness.page_employees_by(PAGE)
    writes = []
    original = copy_process.CopyProcess.write

    def counted(self, item, **kw):
        writes.append(len(item))
        return original(self, item, **kw)

    monkeypatch.setattr(copy_process.CopyProcess, "write", counted)
    harness.copy_writes = writes
    return harness


def run(harness) -> SyncRun:
    return sync_entity(harness.organization.pk, "employees", adapter_factory=harness.factory())


def test_a_first_sync_commits_its_plain_pages_through_the_copy_process(copying):
    result = run(copying)
    total = len(copying.world.tables["employees"])
    assert result.status == SyncStatus.SUCCEEDED, result.error_message
    assert sum(copying.copy_writes) >= 1  # pages went through the process (the first one is written here)
    assert (result.inserted, result.fetched, result.pages) == (total, total, total // PAGE)
    assert copying.digest_replica("employees") == copying.digest_hrms("employees")
    assert copying.wrong_manager_links() == []
    state = SyncState.objects.get(organization=copying.organization, entity="employees")
    assert state.cursor is None
    assert state.watermark is not None


def test_a_record_already_stored_ends_the_copy_path_and_the_rest_is_upserted_in_order(copying):
    """The HRMS lists one record again four pages later (it changed while the run was paging): its COPY
    meets the stored row, and that group and every later one are committed through the upsert instead."""
    copying.adapter_class = _repeating_first_record(copying.adapter_class, on_page=4)
    result = run(copying)
    total = len(copying.world.tables["employees"])
    assert result.status == SyncStatus.SUCCEEDED, result.error_message
    assert result.inserted == total
    assert result.fetched == total + 1
    assert Employee.objects.filter(organization=copying.organization).count() == total
    assert copying.digest_replica("employees") == copying.digest_hrms("employees")
    assert copying.wrong_manager_links() == []


def test_a_lost_lease_commits_nothing_more(copying, monkeypatch):
    """Another run took the lease while this one was paging: the COPY process's fenced checkpoint finds no
    row, so that group is rolled back, nothing after it is attempted, and the run ends as lease_lost."""
    statements = []
    original = ledger.checkpoint_statement

    def stale_after_first(ctx, **kw):
        sql, params = original(ctx, **kw)
        statements.append(sql)
        if len(statements) > 1:
            params[-1] = ctx.fence - 1  # the fence of an older run
        return sql, params

    monkeypatch.setattr(ledger, "checkpoint_statement", stale_after_first)
    result = run(copying)
    assert (result.status, result.error_code) == (SyncStatus.FAILED, "lease_lost")
    stored = Employee.objects.filter(organization=copying.organization).count()
    assert 0 < stored < len(copying.world.tables["employees"])
    state = SyncState.objects.get(organization=copying.organization, entity="employees")
    assert stored == PAGE * _pages_before(copying, state.cursor)


def _pages_before(harness, cursor) -> int:
    """Pages of PAGE records up to and including the one whose next cursor is `cursor`."""
    assert cursor is not None
    adapter = harness.factory()()
    import asyncio

    async def count() -> int:
        n = 0
        async for page in adapter.iter_entity("employees", updated_since=None, include_deleted=True, cursor=None):
            n += 1
            if page.cursor == cursor:
                return n
        raise AssertionError("cursor not met")

    return asyncio.run(count())


def _repeating_first_record(adapter_class, *, on_page: int):
    class Repeating(adapter_class):
        def iter_employees(self, **kw):
            pages = super().iter_employees(**kw)

            async def repeat():
                first = None
                n = 0
                async for page in pages:
                    n += 1
                    first = first or page.records[0]
                    if n == on_page:
                        page.records.append(first)
                        page.fetched += 1
                    yield page

            return repeat()

    return Repeating
