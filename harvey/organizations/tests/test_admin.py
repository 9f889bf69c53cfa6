"""The admin never shows an HRMS credential, and its credential inputs are write-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from harvey.organizations.admin import CREDENTIALS_SET
from harvey.organizations.models import HRMSIntegration
from harvey.organizations.tests.form_data import form_data

SECRET = "tok_live_admin_3a2b1c"


@pytest.fixture
def integration(organization, make_integration) -> HRMSIntegration:
    return make_integration(organization, credentials={"token": SECRET, "client_secret": "cs-7788"})


def test_the_change_page_does_not_contain_the_secret(admin_client, integration) -> None:
    response = admin_client.get(reverse("admin:organizations_hrmsintegration_change", args=[integration.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in html
    assert "cs-7788" not in html
    assert CREDENTIALS_SET in html


def test_the_changelist_shows_that_credentials_are_set_not_what_they_are(admin_client, integration) -> None:
    response = admin_client.get(reverse("admin:organizations_hrmsintegration_changelist"))
    html = response.content.decode()
    assert CREDENTIALS_SET in html
    assert SECRET not in html


def test_saving_with_blank_credential_inputs_keeps_the_stored_credentials(admin_client, integration) -> None:
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    response = admin_client.post(url, form_data(integration, base_url="http://127.0.0.1:9999"))
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.base_url == "http://127.0.0.1:9999"
    assert integration.credentials == {"token": SECRET, "client_secret": "cs-7788"}


def test_a_new_token_and_extra_keys_are_merged_into_the_credentials(admin_client, integration) -> None:
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    data = form_data(integration, token="tok-new", extra_credentials="tenant = acme\n")
    assert admin_client.post(url, data).status_code == 302
    integration.refresh_from_db()
    assert integration.credentials == {"token": "tok-new", "client_secret": "cs-7788", "tenant": "acme"}


def test_clear_forgets_every_stored_credential(admin_client, integration) -> None:
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    assert admin_client.post(url, form_data(integration, clear_credentials="on")).status_code == 302
    integration.refresh_from_db()
    assert integration.credentials == {}


def test_a_form_with_errors_does_not_echo_the_typed_secrets(admin_client, integration) -> None:
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    data = form_data(integration, cache_ttl_seconds="5", token="tok-typed", extra_credentials="api_key=ak-typed")
    response = admin_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "tok-typed" not in html
    assert "ak-typed" not in html


def test_a_malformed_extra_credential_line_is_a_form_error(admin_client, integration) -> None:
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    response = admin_client.post(url, form_data(integration, extra_credentials="just-a-value"))
    assert response.status_code == 200
    assert "KEY=VALUE" in response.content.decode()


def test_the_organization_changelist_shows_the_active_hrms(admin_client, integration) -> None:
    html = admin_client.get(reverse("admin:organizations_organization_changelist")).content.decode()
    assert "Acme Corp" in html
    assert "mock" in html


def test_the_form_draws_the_adapters_configuration_schema_with_secrets_write_only(admin_client, organization):
    from harvey.organizations.models import HRMSIntegration

    integration = HRMSIntegration.objects.create(
        organization=organization,
        hrms_type="bamboohr",
        base_url="https://acme.bamboohr.com",
        credentials={"company_domain": "acme", "api_key": "very-secret-key"},
    )
    page = admin_client.get(reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])).content
    html = page.decode()
    assert 'name="config_company_domain"' in html
    assert 'name="config_api_key"' in html
    assert 'type="password"' in html
    assert "very-secret-key" not in html


def test_settings_the_adapter_refuses_are_a_form_error_not_a_saved_row(admin_client, organization):
    from harvey.organizations.models import HRMSIntegration

    data = {
        "organization": organization.pk,
        "hrms_type": "bamboohr",
        "base_url": "https://example.org",
        "is_active": "on",
        "cache_ttl_seconds": 1800,
        "sync_settings": "{}",
        "config_company_domain": "not a domain!",
    }
    response = admin_client.post(reverse("admin:organizations_hrmsintegration_add"), data)
    assert response.status_code == 200
    assert "BambooHR settings are invalid" in response.content.decode()
    assert not HRMSIntegration.objects.filter(hrms_type="bamboohr").exists()


def test_a_credential_the_schema_refuses_is_a_form_error_and_nothing_changes(admin_client, organization):
    integration = HRMSIntegration.objects.create(
        organization=organization,
        hrms_type="bamboohr",
        base_url="https://93.184.216.34",
        credentials={"company_domain": "acme", "api_key": "very-secret-key"},
    )
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    data = form_data(integration, config_company_domain="acme", config_webhook_max_age_seconds="3600")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "webhook_max_age_seconds" in response.content.decode()
    integration.refresh_from_db()
    assert "webhook_max_age_seconds" not in integration.credentials
