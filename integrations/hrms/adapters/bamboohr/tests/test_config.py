"""The settings schema (drives the form and the management API) and test_connection (checks it)."""

from __future__ import annotations

import pytest

from integrations.hrms import registry
from integrations.hrms.base import AdapterConfig
from integrations.hrms.errors import ConfigurationError

from ..config import BambooHRConfig
from .conftest import KEY, make_adapter


def config(base_url: str = "", **credentials) -> BambooHRConfig:
    return BambooHRConfig.from_adapter_config(AdapterConfig(base_url=base_url, credentials=credentials))


def test_the_provider_publishes_its_schema_with_the_secrets_marked():
    schema = registry.provider("bamboohr").config_schema.model_json_schema()
    assert set(schema["required"]) == {"company_domain", "api_key"}
    assert schema["properties"]["api_key"]["secret"] is True
    assert schema["properties"]["api_key"]["writeOnly"] is True
    assert schema["properties"]["webhook_key"]["secret"] is True
    assert "secret" not in schema["properties"]["company_domain"]


def test_secrets_never_show_in_the_repr():
    settings = config(api_key="super-secret-key", company_domain="acme", webhook_key="hook-secret")
    assert "super-secret-key" not in repr(settings)
    assert "hook-secret" not in repr(settings)


def test_the_company_host_form_is_the_default():
    assert config(api_key="k", company_domain="acme").api_root() == "https://acme.bamboohr.com/api/v1/"


def test_the_legacy_gateway_form_puts_the_company_in_the_path():
    settings = config(api_key="k", company_domain="acme", url_form="gateway")
    assert settings.api_root() == "https://api.bamboohr.com/api/gateway.php/acme/v1/"


def test_a_base_url_override_keeps_the_url_form():
    settings = config("http://proxy.internal/", api_key="k", company_domain="acme", url_form="gateway")
    assert settings.api_root() == "http://proxy.internal/api/gateway.php/acme/v1/"


def test_the_company_is_read_from_a_company_host_base_url():
    assert config("https://globex.bamboohr.com", api_key="k").company_domain == "globex"


def test_a_token_credential_is_the_api_key():
    assert config(token="from-connect", company_domain="acme").api_key.get_secret_value() == "from-connect"


@pytest.mark.parametrize(("seconds", "valid"), [(29, False), (30, True), (900, True), (901, False), (3600, False)])
def test_the_webhook_replay_window_is_30_to_900_seconds(seconds: int, valid: bool):
    if valid:
        assert config(api_key="k", company_domain="acme", webhook_max_age_seconds=seconds).webhook_max_age_seconds
    else:
        with pytest.raises(ConfigurationError, match="webhook_max_age_seconds"):
            config(api_key="k", company_domain="acme", webhook_max_age_seconds=seconds)


def test_a_missing_api_key_is_a_configuration_error_that_names_the_field():
    with pytest.raises(ConfigurationError, match="api_key"):
        config(company_domain="acme")


def test_a_company_domain_that_is_not_a_subdomain_is_refused_without_echoing_it():
    with pytest.raises(ConfigurationError, match="company_domain") as caught:
        config(api_key="k", company_domain="evil.com/../x")
    assert "evil.com" not in caught.value.message


async def test_test_connection_succeeds_with_the_right_key(adapter, requests_made):
    check = await adapter.test_connection()
    assert check.ok
    assert requests_made.paths() == ["/api/v1/employees/0"]


async def test_test_connection_reports_a_wrong_key_without_raising(sim):
    adapter, _ = make_adapter(sim, credentials={"api_key": "wrong", "company_domain": "acme"})
    async with adapter:
        check = await adapter.test_connection()
    assert not check.ok
    assert check.details["error"] == "authentication_failed"


async def test_test_connection_reports_a_wrong_company(sim):
    credentials = {"api_key": KEY, "company_domain": "globex", "url_form": "gateway"}
    adapter, _ = make_adapter(sim, base_url="http://bamboo.test", credentials=credentials)
    async with adapter:
        check = await adapter.test_connection()
    assert (check.ok, check.details["error"]) == (False, "not_found")
