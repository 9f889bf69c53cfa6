"""Organizations and their HRMS integration: one active per organization, validated settings."""

from __future__ import annotations

import sys
import types

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from harvey.organizations.models import DEFAULT_SYNC_SETTINGS, HRMSIntegration

PUBLIC_URL = "https://93.184.216.34"  # a public address literal: no DNS, no private-network permission needed


def test_an_organization_has_at_most_one_active_integration(organization, make_integration) -> None:
    make_integration(organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_integration(organization)


def test_inactive_integrations_are_kept_beside_the_active_one(organization, make_integration) -> None:
    make_integration(organization, is_active=False)
    make_integration(organization, is_active=False)
    make_integration(organization)
    assert HRMSIntegration.objects.filter(organization=organization).count() == 3


def test_full_clean_reports_a_second_active_integration(organization, make_integration) -> None:
    make_integration(organization)
    second = HRMSIntegration(organization=organization, hrms_type="mock", base_url=PUBLIC_URL)
    with pytest.raises(ValidationError, match="already has an active HRMS integration"):
        second.full_clean()


def test_sync_settings_default_to_the_seed_schedule(organization, make_integration) -> None:
    integration = make_integration(organization)
    assert integration.sync_settings == DEFAULT_SYNC_SETTINGS
    assert integration.sync_schedule("employees") == {"enabled": True, "interval_minutes": 120}
    assert integration.sync_schedule("candidates")["interval_minutes"] == 60
    assert integration.sync_schedule("interviews")["interval_minutes"] == 30
    assert integration.sync_schedule("leave_requests") == {"enabled": True, "daily_at": "01:00"}


def test_a_stored_schedule_overrides_the_default(organization, make_integration) -> None:
    integration = make_integration(organization, sync_settings={"leave_requests": {"interval_minutes": 240}})
    assert integration.sync_schedule("leave_requests") == {"enabled": True, "interval_minutes": 240}
    assert integration.sync_schedule("employees")["interval_minutes"] == 120


@pytest.mark.parametrize(
    "sync_settings",
    [
        {"payroll": {"enabled": True, "interval_minutes": 60}},
        {"employees": {"enabled": "yes", "interval_minutes": 60}},
        {"employees": {"enabled": True}},
        {"employees": {"enabled": True, "interval_minutes": 60, "daily_at": "01:00"}},
        {"employees": {"enabled": True, "interval_minutes": 1}},
        {"leave_requests": {"enabled": True, "daily_at": "25:00"}},
        {"employees": {"enabled": True, "interval_minutes": 60, "colour": "red"}},
        ["employees"],
    ],
)
def test_invalid_sync_settings_are_rejected(organization, sync_settings) -> None:
    integration = HRMSIntegration(
        organization=organization, hrms_type="mock", base_url=PUBLIC_URL, sync_settings=sync_settings
    )
    with pytest.raises(ValidationError) as excinfo:
        integration.full_clean()
    assert "sync_settings" in excinfo.value.message_dict


@pytest.mark.parametrize(("ttl", "valid"), [(899, False), (900, True), (1800, True), (3600, True), (3601, False)])
def test_cache_ttl_must_be_between_15_and_60_minutes(organization, ttl: int, valid: bool) -> None:
    integration = HRMSIntegration(
        organization=organization, hrms_type="mock", base_url=PUBLIC_URL, cache_ttl_seconds=ttl
    )
    if valid:
        integration.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            integration.full_clean()
        assert "cache_ttl_seconds" in excinfo.value.message_dict


def test_the_database_refuses_an_out_of_range_ttl(organization, make_integration) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_integration(organization, cache_ttl_seconds=60)


def test_full_clean_rejects_a_private_base_url_unless_allowed(organization, settings) -> None:
    settings.HARVEY_ALLOW_PRIVATE_HRMS = False
    integration = HRMSIntegration(organization=organization, hrms_type="mock", base_url="http://10.0.0.1/")
    with pytest.raises(ValidationError) as excinfo:
        integration.full_clean()
    assert "base_url" in excinfo.value.message_dict
    integration.allow_private_network = True
    integration.full_clean()


def test_repr_never_includes_credentials(organization, make_integration) -> None:
    integration = make_integration(organization, credentials={"token": "tok-secret-1"})
    assert "tok-secret-1" not in repr(integration)
    assert "tok-secret-1" not in str(integration)


@pytest.fixture
def registry_knows(monkeypatch: pytest.MonkeyPatch):
    """Stand in for `integrations.hrms.registry` with a fixed set of adapter types."""

    def install(*names: str) -> None:
        fake = types.ModuleType("integrations.hrms.registry")
        fake.known_types = lambda: list(names)
        monkeypatch.setitem(sys.modules, "integrations.hrms.registry", fake)

    return install


def test_an_unknown_hrms_type_is_rejected_with_the_known_types_listed(organization, registry_knows) -> None:
    registry_knows("mock", "bamboohr")
    integration = HRMSIntegration(organization=organization, hrms_type="peoplesoft", base_url=PUBLIC_URL)
    with pytest.raises(ValidationError) as excinfo:
        integration.full_clean()
    assert excinfo.value.message_dict["hrms_type"] == ["Unknown HRMS type 'peoplesoft'. Known types: bamboohr, mock."]


def test_a_known_hrms_type_is_accepted(organization, registry_knows) -> None:
    registry_knows("mock", "bamboohr")
    HRMSIntegration(organization=organization, hrms_type="bamboohr", base_url=PUBLIC_URL).full_clean()


def test_any_type_is_accepted_while_the_registry_cannot_be_imported(organization, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "integrations.hrms.registry", None)  # makes the import raise ImportError
    HRMSIntegration(organization=organization, hrms_type="anything", base_url=PUBLIC_URL).full_clean()


def test_full_clean_refuses_credentials_the_adapter_schema_refuses(organization) -> None:
    integration = HRMSIntegration(
        organization=organization,
        hrms_type="bamboohr",
        base_url=PUBLIC_URL,
        credentials={"company_domain": "acme", "api_key": "k", "webhook_max_age_seconds": "abc"},
    )
    with pytest.raises(ValidationError, match="BambooHR settings are invalid: webhook_max_age_seconds"):
        integration.full_clean()


def test_full_clean_accepts_credentials_the_adapter_accepts(organization) -> None:
    HRMSIntegration(
        organization=organization,
        hrms_type="bamboohr",
        base_url=PUBLIC_URL,
        credentials={"company_domain": "acme", "api_key": "k", "webhook_max_age_seconds": "600"},
    ).full_clean()


def test_an_integration_without_credentials_is_valid_so_secrets_can_be_revoked(organization) -> None:
    HRMSIntegration(organization=organization, hrms_type="bamboohr", base_url=PUBLIC_URL, credentials={}).full_clean()
