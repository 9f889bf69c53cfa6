"""Over real HTTP: the LiveMockHRMS helper serves the app on a loopback port; the CLI parses its options."""

from __future__ import annotations

import gc
import logging

import httpx
import pytest

from mock_hrms.__main__ import VENDORS, main, parse_args
from mock_hrms.api import MockSettings
from mock_hrms.api.testing import LiveMockHRMS


def test_live_server_answers_over_http():
    settings = MockSettings(employees=40)
    with LiveMockHRMS(settings) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        response = httpx.get(
            f"{server.base_url}/api/v1/employees", headers={"Authorization": f"Bearer {settings.token}"}
        )
    assert response.status_code == 200
    assert response.json()["total"] == 40


def test_the_live_server_stops_on_exit():
    with LiveMockHRMS(MockSettings(employees=10)) as server:
        url = server.base_url
    try:
        httpx.get(f"{url}/openapi.json", timeout=1)
        stopped = False
    except httpx.TransportError:
        stopped = True
    assert stopped


def test_cli_options_map_to_settings():
    args = parse_args(["--port", "9100", "--seed", "3", "--employees", "500", "--token", "t0ken"])
    assert (args.port, args.seed, args.employees, args.token, args.vendor) == (9100, 3, 500, "t0ken", "canonical")


def test_each_cli_vendor_is_one_registry_entry():
    assert set(VENDORS) == {"canonical", "bamboohr"}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--port", "9123"], "api_base=http://127.0.0.1:9123/api/v1 ", id="canonical"),
        pytest.param(
            ["--vendor", "bamboohr", "--host", "::1", "--port", "9124"],
            "api_base=http://[::1]:9124/api/v1 ",
            id="bamboohr-on-ipv6",
        ),
    ],
)
def test_the_startup_log_names_the_api_base_a_client_uses(monkeypatch, caplog, argv, expected):
    served = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.append(options))
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test process's objects stay collectable
    with caplog.at_level(logging.INFO, logger="mock_hrms"):
        main([*argv, "--employees", "5"])
    assert served, "uvicorn was not started"
    started = [record.getMessage() for record in caplog.records if record.getMessage().startswith("mock_hrms.started")]
    assert len(started) == 1
    assert expected in started[0]
