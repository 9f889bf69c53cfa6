"""get_transport_state(): Redis when a Redis URL is configured, memory otherwise, one store per process."""

from __future__ import annotations

import pytest

from integrations.hrms.http import MemoryTransportState
from integrations.hrms.http import state as state_module
from integrations.hrms.http.redis_state import RedisTransportState


@pytest.fixture
def no_settings(monkeypatch):
    """Pretend Django settings name no Redis, so only the environment decides."""
    from django.conf import settings

    if settings.configured:
        monkeypatch.setattr(settings, "REDIS_URL", None, raising=False)
        monkeypatch.setattr(settings, "HRMS_TRANSPORT_REDIS_URL", None, raising=False)
    monkeypatch.setattr(state_module, "_process_state", {})


def test_memory_when_no_redis_is_configured(monkeypatch, no_settings) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("HRMS_TRANSPORT_REDIS_URL", raising=False)
    assert isinstance(state_module.get_transport_state(), MemoryTransportState)


def test_redis_when_redis_url_is_set(monkeypatch, no_settings) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    assert isinstance(state_module.get_transport_state(), RedisTransportState)


def test_one_store_per_process(monkeypatch, no_settings) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("HRMS_TRANSPORT_REDIS_URL", raising=False)
    assert state_module.get_transport_state() is state_module.get_transport_state()
