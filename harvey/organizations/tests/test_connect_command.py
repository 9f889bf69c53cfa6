"""`harvey connect` creates or updates an organization and its active integration, printing no secret."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from harvey.organizations.models import HRMSIntegration, Organization

TOKEN = "tok_connect_5e6f"


def connect(*args: str) -> str:
    out = io.StringIO()
    call_command("connect", *args, stdout=out)
    return out.getvalue()


BASE = ["--org", "acme", "--type", "mock", "--base-url", "http://127.0.0.1:8765", "--allow-private-network"]


@pytest.mark.django_db
def test_connect_creates_the_organization_and_an_encrypted_integration() -> None:
    output = connect(*BASE, "--token", TOKEN, "--credential", "tenant=acme", "--name", "Acme Corp")
    integration = HRMSIntegration.objects.get(organization__slug="acme", is_active=True)
    assert Organization.objects.get(slug="acme").name == "Acme Corp"
    assert (integration.hrms_type, integration.base_url) == ("mock", "http://127.0.0.1:8765")
    assert integration.credentials == {"token": TOKEN, "tenant": "acme"}
    assert "Created organization 'acme'" in output
    assert "credentials: tenant, token" in output
    assert TOKEN not in output


@pytest.mark.django_db
def test_connecting_again_updates_the_same_integration() -> None:
    connect(*BASE, "--token", TOKEN)
    output = connect(*BASE[:4], "--base-url", "http://127.0.0.1:9000", "--allow-private-network")
    integration = HRMSIntegration.objects.get(organization__slug="acme")
    assert integration.base_url == "http://127.0.0.1:9000"
    assert integration.credentials == {"token": TOKEN}  # no credential given: the stored ones are kept
    assert "Updated mock integration" in output


@pytest.mark.django_db
def test_connecting_another_type_deactivates_the_previous_integration() -> None:
    connect(*BASE, "--token", TOKEN)
    connect("--org", "acme", "--type", "bamboohr", "--base-url", "http://127.0.0.1:1", "--allow-private-network")
    states = dict(HRMSIntegration.objects.values_list("hrms_type", "is_active"))
    assert states == {"mock": False, "bamboohr": True}


@pytest.mark.django_db
def test_a_private_base_url_needs_the_flag(settings) -> None:
    settings.HARVEY_ALLOW_PRIVATE_HRMS = False
    with pytest.raises(CommandError, match=r"base_url: .*loopback"):
        connect("--org", "acme", "--type", "mock", "--base-url", "http://127.0.0.1:8765")
    assert not Organization.objects.exists()  # nothing half-done


@pytest.mark.django_db
def test_a_malformed_credential_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="KEY=VALUE"):
        connect(*BASE, "--credential", "no-equals-sign")


@pytest.mark.django_db
def test_an_invalid_slug_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="slug"):
        connect("--org", "Acme Corp!", "--type", "mock", "--base-url", "http://127.0.0.1:1")


@pytest.mark.django_db
def test_an_unknown_type_lists_the_known_ones(monkeypatch) -> None:
    import sys
    import types

    fake = types.ModuleType("integrations.hrms.registry")
    fake.known_types = lambda: ["bamboohr", "mock"]
    monkeypatch.setitem(sys.modules, "integrations.hrms.registry", fake)
    with pytest.raises(CommandError, match="Known types: bamboohr, mock"):
        connect("--org", "acme", "--type", "oracle", "--base-url", "http://127.0.0.1:1", "--allow-private-network")


PUBLIC = "https://93.184.216.34"  # a public address literal: no DNS, no private-network permission
BAMBOO = ["--org", "acme", "--type", "bamboohr", "--base-url", PUBLIC, "--credential", "company_domain=acme"]


# ---------------------------------------------------------------------- SSRF: refused by default


@pytest.mark.django_db
def test_loopback_is_refused_by_default_without_the_flag() -> None:  # no setting changed: the default
    with pytest.raises(CommandError, match=r"base_url: .*loopback.*--allow-private-network"):
        connect("--org", "acme", "--type", "mock", "--base-url", "http://127.0.0.1:8765", "--token", TOKEN)
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_the_private_network_permission_is_stored_on_the_integration() -> None:
    connect(*BASE, "--token", TOKEN)
    assert HRMSIntegration.objects.get(organization__slug="acme").allow_private_network is True


# ---------------------------------------------------------------------- credentials: the adapter's schema


@pytest.mark.django_db
def test_a_credential_the_adapter_schema_refuses_is_a_clear_error_and_nothing_is_stored() -> None:
    with pytest.raises(CommandError, match="BambooHR settings are invalid: webhook_max_age_seconds"):
        connect(*BAMBOO, "--token", TOKEN, "--credential", "webhook_max_age_seconds=abc")
    assert not Organization.objects.exists()
    assert not HRMSIntegration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("seconds", "accepted"), [(29, False), (30, True), (900, True), (901, False), (3600, False)])
def test_the_webhook_replay_window_must_be_30_to_900_seconds(seconds: int, accepted: bool) -> None:
    args = [*BAMBOO, "--token", TOKEN, "--credential", f"webhook_max_age_seconds={seconds}"]
    if accepted:
        connect(*args)
        assert HRMSIntegration.objects.get().credentials["webhook_max_age_seconds"] == str(seconds)
    else:
        with pytest.raises(CommandError, match="webhook_max_age_seconds"):
            connect(*args)
        assert not HRMSIntegration.objects.exists()


@pytest.mark.django_db
def test_a_missing_required_credential_is_refused() -> None:
    with pytest.raises(CommandError, match="api_key"):
        connect(*BAMBOO)


# ---------------------------------------------------------------------- the token from the environment or stdin


@pytest.mark.django_db
def test_the_token_can_come_from_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_HRMS_TOKEN", TOKEN)
    output = connect(*BASE, "--token-env", "ACME_HRMS_TOKEN")
    assert HRMSIntegration.objects.get().credentials == {"token": TOKEN}
    assert TOKEN not in output


@pytest.mark.django_db
def test_an_unset_token_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_HRMS_TOKEN", raising=False)
    with pytest.raises(CommandError, match="ACME_HRMS_TOKEN is not set"):
        connect(*BASE, "--token-env", "ACME_HRMS_TOKEN")
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_an_empty_token_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_HRMS_TOKEN", "  ")
    with pytest.raises(CommandError, match="ACME_HRMS_TOKEN is empty"):
        connect(*BASE, "--token-env", "ACME_HRMS_TOKEN")


@pytest.mark.django_db
def test_the_token_can_come_from_standard_input() -> None:
    out = io.StringIO()
    call_command("connect", *BASE, "--token-stdin", stdin=io.StringIO(TOKEN + "\n"), stdout=out)
    assert HRMSIntegration.objects.get().credentials == {"token": TOKEN}
    assert TOKEN not in out.getvalue()


@pytest.mark.django_db
def test_empty_standard_input_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="standard input held no token"):
        call_command("connect", *BASE, "--token-stdin", stdin=io.StringIO(""), stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("second", [["--token-env", "ACME_HRMS_TOKEN"], ["--token-stdin"]])
def test_two_token_sources_at_once_are_refused(second: list[str]) -> None:
    with pytest.raises(CommandError, match="not allowed with argument --token"):
        call_command("connect", *BASE, "--token", TOKEN, *second, stdin=io.StringIO(TOKEN), stdout=io.StringIO())
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_two_token_sources_given_as_options_are_refused_too() -> None:  # call_command(**options) skips argparse
    with pytest.raises(CommandError, match="one way only"):
        call_command(
            "connect",
            org="acme",
            hrms_type="mock",
            base_url="http://127.0.0.1:8765",
            allow_private_network=True,
            token=TOKEN,
            token_env="ACME_HRMS_TOKEN",
            stdout=io.StringIO(),
        )


# ---------------------------------------------------------------------- unknown organizations


@pytest.mark.django_db
def test_test_connection_of_an_unknown_organization_names_the_slug() -> None:
    with pytest.raises(CommandError, match="No organization with slug 'nosuch'"):
        call_command("test_connection", org="nosuch", stdout=io.StringIO())


@pytest.mark.django_db
def test_test_connection_of_an_organization_without_an_integration_says_so(organization) -> None:
    HRMSIntegration.objects.filter(organization=organization).delete()
    with pytest.raises(CommandError, match="'acme' has no active HRMS integration"):
        call_command("test_connection", org="acme", stdout=io.StringIO())
