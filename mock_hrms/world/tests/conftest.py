"""Worlds for the tests: a fixed reference date, so every run sees the same world and the same "now"."""

from __future__ import annotations

import datetime as dt

import pytest

from mock_hrms.world import World, generate_world

REFERENCE_DATE = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="session")
def default_world() -> World:
    """Read-only: tests that change a world use `world`."""
    return generate_world(seed=42, reference_date=REFERENCE_DATE)


@pytest.fixture(scope="session")
def world_5k() -> World:
    return generate_world(seed=7, employees=5_000, reference_date=REFERENCE_DATE)


@pytest.fixture
def world() -> World:
    """A fresh default-size world each test may change."""
    return generate_world(seed=42, reference_date=REFERENCE_DATE)
