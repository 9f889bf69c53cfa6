"""Fixtures of the mock HRMS API tests: the shared ones from mock_hrms.api.testing plus a few helpers."""

from __future__ import annotations

from mock_hrms.api.testing import (  # noqa: F401  (pytest finds fixtures by name in this module)
    live_mock_hrms,
    mock_hrms_app,
    mock_hrms_client,
    mock_hrms_control,
    mock_hrms_settings,
)
