"""`view=detail` on list endpoints: a sync gets detail fields without one request per record."""

from __future__ import annotations

import pytest

from mock_hrms.api.testing import mock_hrms_app, mock_hrms_client, mock_hrms_settings  # noqa: F401


@pytest.mark.parametrize(
    ("path", "detail_field"),
    [
        ("/api/v1/employees", "skills"),
        ("/api/v1/job-requisitions", "requirements"),
        ("/api/v1/candidates", "education"),
    ],
)
async def test_detail_view_returns_detail_fields_and_list_view_does_not(mock_hrms_client, path, detail_field):  # noqa: F811
    detail = (await mock_hrms_client.get(path, params={"view": "detail", "page_size": 5})).json()["data"]
    plain = (await mock_hrms_client.get(path, params={"page_size": 5})).json()["data"]
    assert all(detail_field in record for record in detail)
    assert not any(detail_field in record for record in plain)


async def test_unknown_view_is_a_422(mock_hrms_client):  # noqa: F811
    response = await mock_hrms_client.get("/api/v1/employees", params={"view": "everything"})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
