"""Checking an integration's configuration: against its adapter's schema, and against the live HRMS.

`validate_configuration` is what the integration's model validation calls (`HRMSIntegration.clean`), so
every path that saves an integration — `harvey connect`, the admin form, the API — refuses settings the
adapter would refuse, before anything is stored. `test_connection` serves the admin's "Test connection"
action and `harvey test-connection`. Constructing the adapter is the validation: each adapter checks its
own settings there and raises ConfigurationError with a sentence an admin can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from django.views.decorators.debug import sensitive_variables

from .base import AdapterConfig, ConnectionCheck
from .errors import HRMSError
from .registry import create_adapter


@sensitive_variables()  # the credentials, decrypted, and every frame of the adapter's constructor
def validate_configuration(hrms_type: str, base_url: str, credentials: Mapping[str, Any]) -> None:
    """Raise ConfigurationError (or UnknownAdapterType) when the adapter would refuse these settings."""
    config = AdapterConfig(base_url=base_url, credentials=dict(credentials), integration_key="validation")
    adapter = create_adapter(hrms_type, config)
    async_to_sync(adapter.aclose)()


@sensitive_variables()
def test_connection(integration) -> ConnectionCheck:
    """The cheapest authenticated call against the integration's HRMS, through the adapter a run would use
    (its rate budget, its private-network permission); never raises for a failed check."""
    from .service import build_adapter

    try:
        adapter = build_adapter(integration)
    except HRMSError as e:
        return ConnectionCheck(ok=False, message=e.message, details={"error": e.code})

    async def check() -> ConnectionCheck:
        async with adapter:
            return await adapter.test_connection()

    return async_to_sync(check)()


test_connection.__test__ = False  # a function named test_*: not a pytest test
