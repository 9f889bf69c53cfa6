"""Assertions shared by the mock HRMS API tests."""

from __future__ import annotations

import httpx

from hrmodel.canonical import ErrorBody


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> ErrorBody:
    """The response has `status` and a canonical ErrorBody (with `code` as its `error`, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = ErrorBody.model_validate(response.json())
    assert set(response.json()) == {"error", "message", "details"}
    assert body.message
    if code is not None:
        assert body.error == code, body
    return body


async def first(client: httpx.AsyncClient, path: str, **params) -> dict:
    """The first record of a list endpoint (with optional filters)."""
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data, f"{path} {params} returned no records"
    return data[0]
