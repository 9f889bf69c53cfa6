"""Parallel test workers share one Redis but never each other's cache keys (root conftest.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache

from conftest import clear_worker_caches, worker_cache_prefix


def test_the_cache_uses_this_workers_prefix() -> None:
    expected = worker_cache_prefix()
    assert expected.startswith("harvey-test-")
    assert expected.endswith(f"-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    assert cache.key_prefix == expected
    assert expected == settings.HARVEY_CACHE_PREFIX
    assert cache.make_key("k").startswith(f"{expected}:")


def test_clearing_empties_this_workers_cache() -> None:
    cache.set("harvey:probe", 1)
    clear_worker_caches()
    assert cache.get("harvey:probe") is None


def test_clearing_leaves_keys_outside_the_worker_prefix_alone() -> None:
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        pytest.skip("local memory is private to the process already; this is about a shared Redis")
    client = cache._cache.get_client(write=True)
    client.set("someone-else:1:probe", b"1", ex=60)
    try:
        clear_worker_caches()
        assert client.get("someone-else:1:probe") == b"1"
    finally:
        client.delete("someone-else:1:probe")
