"""Helpers and pytest fixtures for testing against the mock HRMS (importable by any test suite).

- `asgi_client(app)`: an httpx.AsyncClient talking to the app in-process (no sockets; fast);
- `LiveMockHRMS(settings)`: the app served by uvicorn on a free loopback port in a background thread, for
  tests that need real HTTP; `with LiveMockHRMS() as server: server.base_url`;
- fixtures `mock_hrms_settings`, `mock_hrms_app`, `mock_hrms_client`, `mock_hrms_control`, `live_mock_hrms`:
  use them with `pytest_plugins = ["mock_hrms.api.testing"]` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from mock_hrms.api.app import create_app
from mock_hrms.api.settings import MockSettings
from mock_hrms.server import BackgroundServer

TEST_BASE_URL = "http://mock-hrms.test"


def asgi_client(app: FastAPI, token: str | None = None, *, timeout: float = 30.0) -> httpx.AsyncClient:
    """An AsyncClient bound to `app` in-process; sends `Authorization: Bearer <token>` when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=TEST_BASE_URL, headers=headers, timeout=timeout
    )


class LiveMockHRMS(BackgroundServer):
    """Serve a mock HRMS over real HTTP on 127.0.0.1:<free port> from a background thread.

    `base_url` is the server root (`http://127.0.0.1:PORT`); the API is under `base_url + "/api/v1"`.
    """

    def __init__(self, settings: MockSettings | None = None, app: FastAPI | None = None) -> None:
        self.settings = settings or MockSettings()
        super().__init__(app or create_app(self.settings))


# ---- pytest fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def mock_hrms_settings() -> MockSettings:
    """A small deterministic world; override this fixture to change seed or size."""
    return MockSettings(seed=42, employees=150)


@pytest.fixture
def mock_hrms_app(mock_hrms_settings: MockSettings) -> FastAPI:
    return create_app(mock_hrms_settings)


@pytest.fixture
async def mock_hrms_client(
    mock_hrms_app: FastAPI, mock_hrms_settings: MockSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client authenticated with the HRMS token."""
    async with asgi_client(mock_hrms_app, mock_hrms_settings.token) as client:
        yield client


@pytest.fixture
async def mock_hrms_control(
    mock_hrms_app: FastAPI, mock_hrms_settings: MockSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client authenticated with the control token (for /_control)."""
    async with asgi_client(mock_hrms_app, mock_hrms_settings.control_token) as client:
        yield client


@pytest.fixture
def live_mock_hrms(mock_hrms_settings: MockSettings) -> Iterator[LiveMockHRMS]:
    """A mock HRMS over real HTTP on a free loopback port."""
    with LiveMockHRMS(mock_hrms_settings) as server:
        yield server
