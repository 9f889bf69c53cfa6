"""What the admin's integration form posts for an existing integration, with changes (shared by its tests)."""

from __future__ import annotations

from harvey.organizations.models import HRMSIntegration


def form_data(integration: HRMSIntegration, **changes: str) -> dict[str, str]:
    data = {
        "organization": str(integration.organization_id),
        "hrms_type": integration.hrms_type,
        "base_url": integration.base_url,
        "is_active": "on",
        "allow_private_network": "on" if integration.allow_private_network else "",
        "cache_ttl_seconds": str(integration.cache_ttl_seconds),
        "sync_settings": '{"employees": {"enabled": true, "interval_minutes": 120}}',
        "token": "",
        "extra_credentials": "",
        "rate_limit": "",
        "rate_burst": "",
    }
    data.update(changes)
    return data
