"""Transport: both URL forms, the company, Basic auth with the API key, Accept, throttling."""

from __future__ import annotations

import httpx
import pytest

from mock_hrms.vendors.bamboohr.tests.conftest import JSON, KEY


def raw(app, host="acme.bamboohr.com") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{host}")


async def test_legacy_gateway_form_serves_the_company(app):
    async with raw(app, "api.bamboohr.com") as c:
        r = await c.get("/api/gateway.php/acme/v1/employees/directory", auth=(KEY, "x"), headers=JSON)
    assert r.status_code == 200
    assert r.json()["employees"]


async def test_current_form_takes_the_company_from_the_host(app):
    async with raw(app) as c:
        r = await c.get("/api/v1/employees/1", auth=(KEY, "x"), headers=JSON)
    assert r.json() == {"id": "1", "firstName": "Falak", "lastName": "Dasgupta"}


@pytest.mark.parametrize(
    ("host", "path"),
    [("other.bamboohr.com", "/api/v1/employees/1"), ("api.bamboohr.com", "/api/gateway.php/other/v1/employees/1")],
)
async def test_unknown_company_is_404(app, host, path):
    async with raw(app, host) as c:
        r = await c.get(path, auth=(KEY, "x"), headers=JSON)
    assert r.status_code == 404


async def test_trailing_slash_is_ignored(client):
    assert (await client.get("meta/fields/")).status_code == 200


@pytest.mark.parametrize("auth", [None, ("wrong-key", "x"), ("", KEY)])
async def test_missing_or_wrong_api_key_is_401(app, auth):
    async with raw(app) as c:
        r = await c.get("/api/v1/employees/directory", auth=auth, headers=JSON)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")


async def test_password_is_ignored(app):
    async with raw(app) as c:
        r = await c.get("/api/v1/employees/directory", auth=(KEY, "anything"), headers=JSON)
    assert r.status_code == 200


async def test_non_json_accept_is_406(app):
    async with raw(app) as c:
        r = await c.get("/api/v1/employees/directory", auth=(KEY, "x"), headers={"Accept": "application/xml"})
    assert r.status_code == 406


async def test_errors_carry_the_bamboohr_error_header(client):
    r = await client.get("employees/99999")
    assert r.status_code == 404
    assert "99999" in r.headers["x-bamboohr-error-message"]


async def _throttle(control) -> None:
    rule = {"path": "/api/", "rate_limit": {"every_nth": 1, "retry_after_seconds": 7}}
    assert (await control.put("/_control/faults", json={"rules": [rule]})).status_code == 200


async def test_throttling_is_429_with_retry_after(client, control):
    await _throttle(control)
    r = await client.get("employees/directory")
    assert (r.status_code, r.headers["retry-after"]) == (429, "7")


async def test_legacy_throttle_mode_answers_503(settings):
    from mock_hrms.vendors.bamboohr import create_bamboohr_app

    app = create_bamboohr_app(settings.model_copy(update={"throttle_mode": "503"}))
    async with raw(app) as c:
        headers = {"Authorization": f"Bearer {settings.control_token}"}
        rule = {"path": "/api/", "rate_limit": {"every_nth": 1}}
        await c.put("/_control/faults", json={"rules": [rule]}, headers=headers)
        r = await c.get("/api/v1/employees/directory", auth=(KEY, "x"), headers=JSON)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"


async def test_a_405_allows_every_method_of_the_path(client):
    response = await client.put("webhooks")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
