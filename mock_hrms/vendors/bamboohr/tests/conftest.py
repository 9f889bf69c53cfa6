from __future__ import annotations

import httpx
import pytest

from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app

KEY = "bamboohr-api-key-12345"
JSON = {"Accept": "application/json"}


@pytest.fixture
def settings() -> BambooSettings:
    return BambooSettings(seed=42, employees=150, applications_page_size=20)


@pytest.fixture
def app(settings):
    return create_bamboohr_app(settings)


@pytest.fixture
async def client(app):
    """BambooHR-style client on the current URL form (company from the Host)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://acme.bamboohr.com/api/v1/", auth=(KEY, "x"),
        headers=JSON,
    ) as c:  # fmt: skip
        yield c


@pytest.fixture
async def control(app, settings):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://acme.bamboohr.com",
        headers={"Authorization": f"Bearer {settings.control_token}"},
    ) as c:  # fmt: skip
        yield c
