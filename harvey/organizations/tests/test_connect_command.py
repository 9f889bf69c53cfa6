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
