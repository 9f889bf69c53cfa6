"""Checking an integration's configuration: against its adapter's schema, and against the live HRMS.

Used by the admin form (schema errors become form errors before anything is saved), by the admin's "Test
connection" action and by `harvey test-connection`. Constructing the adapter is the validation: each adapter
checks its own settings there and raises ConfigurationError with a sentence an admin can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync

from .base import AdapterConfig, ConnectionCheck, HRMSAdapter
from .errors import HRMSError
from .registry import create_adapter


def _adapter(hrms_type: str, base_url: str, credentials: Mapping[str, Any], key: str) -> HRMSAdapter:
    return create_adapter(
        hrms_type, AdapterConfig(base_url=base_url, credentials=dict(credentials), integration_key=key)
    )


def validate_configuration(hrms_type: str, base_url: str, credentials: Mapping[str, Any]) -> None:
    """Raise ConfigurationError (or UnknownAdapterType) when the adapter would refuse these settings."""
    adapter = _adapter(hrms_type, base_url, credentials, "validation")
    async_to_sync(adapter.aclose)()


def test_connection(integration) -> ConnectionCheck:
    """The cheapest authenticated call against the integration's HRMS; never raises for a failed check."""
    from .service import integration_key

    try:
        adapter = _adapter(
            integration.hrms_type, integration.base_url, integration.credentials or {}, integration_key(integration)
        )
    except HRMSError as e:
        return ConnectionCheck(ok=False, message=e.message, details={"error": e.code})

    async def check() -> ConnectionCheck:
        async with adapter:
            return await adapter.test_connection()

    return async_to_sync(check)()


test_connection.__test__ = False  # a function named test_*: not a pytest test
