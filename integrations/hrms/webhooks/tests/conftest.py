"""The BambooHR simulator in-process, an organization connected to it, and the apply task reaching it."""

from __future__ import annotations

import pytest

from integrations.hrms.webhooks import apply as apply_module
from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app

from .deliveries import CREDENTIALS, HOST, simulator_adapter


@pytest.fixture
def sim():
    return create_bamboohr_app(BambooSettings(seed=42, employees=60))


@pytest.fixture
def integration(organization, make_integration):
    return make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=dict(CREDENTIALS))


@pytest.fixture
def through_simulator(sim, monkeypatch, celery_eager):
    """The apply task (Celery, eager) reaches the simulator in-process, with the integration's credentials."""
    monkeypatch.setattr(
        apply_module, "build_adapter", lambda integration: simulator_adapter(sim, integration.credentials)
    )


@pytest.fixture
def applied_through_simulator(through_simulator, django_capture_on_commit_callbacks):
    """As `through_simulator`; on-commit callbacks (the enqueue) run when the capture ends."""
    return django_capture_on_commit_callbacks
