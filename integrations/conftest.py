"""Async code reaches the ORM through asgiref's worker thread, which keeps its own database connection;
close it after each test so PostgreSQL can drop the test database at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_worker_thread_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from asgiref.sync import SyncToAsync
    from django.db import connections

    # Thread-sensitive `sync_to_async` calls made from the test's event loop all run in this one executor.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()
