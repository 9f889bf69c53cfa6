"""Scheduling never waits behind syncing (its own queue, consumed first), and every Redis key of Harvey
carries the deployment's prefix (two deployments on one Redis share no breaker and no queue)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from harvey.celery import app
from harvey.environment import build_settings
from integrations.hrms.http import state as transport_state
from integrations.hrms.sync.management.commands.worker import worker_argv
from integrations.hrms.sync.tasks import sync_chain_task


def test_the_dispatcher_has_a_queue_of_its_own(settings) -> None:
    routed = app.amqp.router.route({}, "hrms.sync.dispatch")
    assert routed["queue"].name == settings.HARVEY_DISPATCH_QUEUE
    assert app.amqp.router.route({}, sync_chain_task.name)["queue"].name == settings.HARVEY_SYNC_QUEUE
    assert settings.HARVEY_DISPATCH_QUEUE != settings.HARVEY_SYNC_QUEUE


def test_a_worker_consumes_the_dispatch_queue_before_the_runs(settings) -> None:
    argv = worker_argv(concurrency=2, loglevel="INFO")
    queues = argv[argv.index("-Q") + 1].split(",")
    assert queues == [settings.HARVEY_DISPATCH_QUEUE, settings.HARVEY_SYNC_QUEUE]
    assert "--without-gossip" in argv
    assert "--without-mingle" in argv
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"


def test_one_queue_for_both_is_refused_when_the_settings_are_built(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="two different queues"):
        build_settings({"HARVEY_SYNC_QUEUE": "q", "HARVEY_DISPATCH_QUEUE": "q"}, var_dir=tmp_path)


def test_broker_keys_carry_the_deployments_prefix(tmp_path: Path) -> None:
    built = build_settings({"REDIS_URL": "redis://x:6379/0", "HARVEY_CACHE_PREFIX": "eu-west"}, var_dir=tmp_path)
    assert built["CELERY_BROKER_TRANSPORT_OPTIONS"]["global_keyprefix"] == "eu-west:"


def test_breaker_and_rate_keys_carry_the_deployments_prefix(settings, monkeypatch) -> None:
    monkeypatch.setattr(transport_state, "_process_state", {})
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.HARVEY_CACHE_PREFIX = "deployment-a"
    first = transport_state.get_transport_state()
    settings.HARVEY_CACHE_PREFIX = "deployment-b"
    second = transport_state.get_transport_state()
    assert first._key("org1:integration1", "breaker") == "deployment-a:hrms:transport:org1:integration1:breaker"
    assert second._key("org1:integration1", "breaker") == "deployment-b:hrms:transport:org1:integration1:breaker"
