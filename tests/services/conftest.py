"""Fixtures of the services suite: real PostgreSQL, Redis, Celery worker processes and mock HRMS processes.

The workers read and write the pytest-django *test* database (hence `django_db(transaction=True)`: a test's
rows must be committed for another process to see them) and consume a queue named for this session only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import (
    CeleryBeat,
    CeleryWorker,
    HarveyProcess,
    MockHRMSProcess,
    RedisServer,
    TcpProxy,
    database_address,
    service_env,
)


@pytest.fixture(scope="session")
def services_available() -> None:
    """Real services or nothing: CI (HARVEY_REQUIRE_SERVICES=1) fails without them, a laptop run skips."""
    from django.db import connection

    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL is not a PostgreSQL database")
    if not os.environ.get("REDIS_URL"):
        problems.append("REDIS_URL is not set")
    if problems:
        message = "the services suite needs real PostgreSQL, Redis and Celery: " + "; ".join(problems)
        if os.environ.get("HARVEY_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def queue() -> str:
    return f"harvey-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def processes(services_available: None, transactional_db: None, log_dir: Path, queue: str) -> Iterator[_Processes]:
    """Start mock HRMS servers, workers and beat on demand; every one is stopped when the test ends."""
    started = _Processes(log_dir, queue)
    yield started
    started.stop_all()


class _Processes:
    def __init__(self, log_dir: Path, queue: str) -> None:
        self.log_dir, self.queue = log_dir, queue
        self.running: list = []

    def mock_hrms(self, *, employees: int, seed: int = 42) -> MockHRMSProcess:
        return self._track(MockHRMSProcess(self.log_dir, employees=employees, seed=seed))

    def worker(self, **env: str) -> CeleryWorker:
        return self._track(CeleryWorker(self.log_dir, self.queue, service_env(self.queue, **env)))

    def beat(self, **env: str) -> CeleryBeat:
        return self._track(CeleryBeat(self.log_dir, service_env(self.queue, **env)))

    def redis_server(self) -> RedisServer:
        return self._track(RedisServer(self.log_dir))

    def database_proxy(self) -> TcpProxy:
        """A proxy in front of the test database, to cut workers off from it (pass `database_url(port=...)`)."""
        return self._track(TcpProxy(*database_address()))

    def harvey(self, *args: str, **env: str) -> HarveyProcess:
        """`harvey ARGS` in a process of its own, with the services tests' settings (and `env` over them)."""
        return self._track(HarveyProcess(self.log_dir, list(args), service_env(self.queue, **env)))

    def _track(self, process):
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.running):
            process.stop()


@pytest.fixture
def connect(organization, make_integration) -> Callable:
    """Point an organization at a mock HRMS: `connect(mock, entities=("employees",), org=None)`."""
    from harvey.organizations.models import Organization
    from hrmodel.catalogue import NAMES as ENTITY_ORDER

    def make(mock: MockHRMSProcess, *, entities: tuple[str, ...] = ("employees",), org=None, interval: int = 120):
        org = org or organization
        settings = {entity: {"enabled": entity in entities, "interval_minutes": interval} for entity in ENTITY_ORDER}
        make_integration(org, base_url=mock.base_url, credentials={"token": mock.token}, sync_settings=settings)
        return Organization.objects.get(pk=org.pk)

    return make
