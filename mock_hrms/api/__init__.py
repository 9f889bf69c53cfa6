"""The canonical mock HRMS HTTP API (FastAPI) over a generated world: see `create_app`."""

from mock_hrms.api.app import API_PREFIX, create_app
from mock_hrms.api.settings import DEFAULT_CONTROL_TOKEN, DEFAULT_TOKEN, MockSettings

__all__ = ["API_PREFIX", "DEFAULT_CONTROL_TOKEN", "DEFAULT_TOKEN", "MockSettings", "create_app"]
