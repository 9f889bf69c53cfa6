"""Test configuration shared by every suite in the repository.

* `HARVEY_REQUIRE_SERVICES=1` (set by `./dev test`, i.e. CI): PostgreSQL and Redis must be configured and
  reachable, or the run stops at once with exit code 1 — CI fails, it never skips.
* Each pytest-xdist worker gets its own cache key prefix, so parallel workers sharing one Redis never see
  each other's keys; the cache is cleared (that prefix only) around every test.
* pytest-django already gives each worker its own test database.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # models cannot be imported before pytest-django has set Django up
    from harvey.organizations.models import HRMSIntegration, Organization

SERVICE_CHECK_TIMEOUT_SECONDS = 3


def worker_cache_prefix() -> str:
    """Unique per test database and xdist worker: two checkouts testing at once on one Redis (each with its own
    DATABASE_URL) never clear each other's keys."""
    database = os.environ.get("DATABASE_URL", "").rstrip("/").rsplit("/", 1)[-1] or "embedded"
    return f"harvey-test-{database}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def pytest_configure(config: pytest.Config) -> None:
    """Give this process's caches a per-worker key prefix (settings were already loaded by pytest-django)."""
    prefix = worker_cache_prefix()
    os.environ["HARVEY_CACHE_PREFIX"] = prefix  # for subprocesses a test may start
    from django.conf import settings
    from django.test.utils import override_settings

    caches = copy.deepcopy(settings.CACHES)
    for cache in caches.values():
        cache["KEY_PREFIX"] = prefix
        if cache["BACKEND"].endswith("LocMemCache"):
            cache["LOCATION"] = prefix
    # Enabled for the whole session; `setting_changed` makes Django rebuild its cache handlers.
    # The first sync's COPY process has a connection of its own and cannot see a test's uncommitted rows:
    # off, except in the tests that commit (integrations/hrms/sync/tests/test_copy_route.py, tests/services).
    override_settings(CACHES=caches, HARVEY_CACHE_PREFIX=prefix, HARVEY_SYNC_COPY_PROCESS=0).enable()
    # Broker keys carry the same prefix, in this process and in the workers the services tests start (which
    # read HARVEY_CACHE_PREFIX from the environment set above).
    from harvey.celery import app

    app.conf.broker_transport_options = {**app.conf.broker_transport_options, "global_keyprefix": f"{prefix}:"}


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("HARVEY_REQUIRE_SERVICES") != "1" or os.environ.get("PYTEST_XDIST_WORKER"):
        return  # checked once, by the controller
    problems = [problem for problem in (_postgres_problem(), _redis_problem()) if problem]
    if problems:
        pytest.exit(
            "HARVEY_REQUIRE_SERVICES=1 but the services are not usable:\n  - " + "\n  - ".join(problems),
            returncode=1,
        )


def _postgres_problem() -> str | None:
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "DATABASE_URL is not set (expected postgres://...)."
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return f"DATABASE_URL is not a PostgreSQL URL (engine {config['ENGINE']})."
    try:
        # The server's maintenance database: the test database does not exist yet, and need not.
        with psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=SERVICE_CHECK_TIMEOUT_SECONDS,
        ) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as e:
        return f"PostgreSQL at {config['HOST']}:{config['PORT']} is not reachable: {e}".strip()
    return None


def _redis_problem() -> str | None:
    import redis

    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return "REDIS_URL is not set (expected redis://...)."
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=SERVICE_CHECK_TIMEOUT_SECONDS)
        client.ping()
    except (redis.RedisError, ValueError) as e:
        return f"Redis is not reachable: {e}"
    return None


def clear_worker_caches() -> None:
    """Empty this worker's caches. On Redis only keys under the worker prefix are deleted: Django's
    `cache.clear()` would FLUSHDB and wipe the other workers' keys (and a Celery broker's queues)."""
    from django.core.cache import caches

    for cache in caches.all():
        if cache.__class__.__name__ == "RedisCache":
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        else:
            cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    clear_worker_caches()
    yield
    clear_worker_caches()


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run Celery tasks in-process for one test, even when a Redis broker is configured."""
    from harvey.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def organization(db: None) -> Organization:
    """An active organization, `acme`."""
    from harvey.organizations.models import Organization

    return Organization.objects.create(name="Acme Corp", slug="acme")


@pytest.fixture
def make_integration(db: None) -> Callable[..., HRMSIntegration]:
    """Factory: `make_integration(org, hrms_type="mock", base_url=..., credentials={...}, **fields)`."""
    from harvey.organizations.models import HRMSIntegration

    def make(organization: Organization, **fields: Any) -> HRMSIntegration:
        fields.setdefault("hrms_type", "mock")
        fields.setdefault("base_url", "http://127.0.0.1:8765")
        fields.setdefault("allow_private_network", True)
        fields.setdefault("credentials", {"token": "test-token"})
        return HRMSIntegration.objects.create(organization=organization, **fields)

    return make


@pytest.fixture
def in_process_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run `harvey.cli.main` inside a test without it setting Django up again: a second `django.setup()`
    points the log handlers at the test's captured stderr, which is closed when the test ends, and every
    later log line of the session then fails to print."""
    monkeypatch.setattr("django.setup", lambda *args, **kwargs: None)
