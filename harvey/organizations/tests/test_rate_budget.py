"""The rate budget is a per-integration setting: bounded, defaulted by the adapter, used by every run."""

from __future__ import annotations

import io
import math

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from harvey.organizations.models import HRMSIntegration, RateBudget
from harvey.organizations.tests.form_data import form_data
from integrations.hrms.http import DEFAULT_POLICY, MemoryTransportState
from integrations.hrms.registry import provider
from integrations.hrms.service import build_adapter

pytestmark = pytest.mark.django_db

CONNECT = ["--org", "acme", "--type", "mock", "--base-url", "http://127.0.0.1:8765", "--allow-private-network"]


def connect(*args: str) -> str:
    out = io.StringIO()
    call_command("connect", *CONNECT, "--token", "tok", *args, stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------------- defaults come from the adapter


def test_each_adapter_declares_its_default_budget() -> None:
    assert (provider("mock").transport_policy.rate_per_second, provider("mock").transport_policy.burst) == (10, 20)
    bamboo = provider("bamboohr").transport_policy
    assert (bamboo.rate_per_second, bamboo.burst) == (5, 10)  # no published limits: below the transport default
    assert bamboo.rate_per_second < DEFAULT_POLICY.rate_per_second


def test_an_integration_without_a_budget_uses_its_adapters_default(organization, make_integration) -> None:
    assert make_integration(organization).rate_budget() == RateBudget(10, 20)


def test_a_bamboohr_integration_defaults_to_the_bamboohr_budget(organization, make_integration) -> None:
    integration = make_integration(organization, hrms_type="bamboohr", credentials={"api_key": "k"})
    assert integration.rate_budget() == RateBudget(5, 10)


def test_a_configured_rate_and_burst_override_the_default(organization, make_integration) -> None:
    assert make_integration(organization, rate_limit=250, rate_burst=40).rate_budget() == RateBudget(250, 40)


def test_a_configured_rate_alone_keeps_the_default_burst(organization, make_integration) -> None:
    assert make_integration(organization, rate_limit=250).rate_budget() == RateBudget(250, 20)


def test_the_budget_reads_as_requests_per_second_and_burst() -> None:
    assert str(RateBudget(2.5, 10)) == "2.5 requests/s, burst 10"


# ---------------------------------------------------------------------- bounded, on every path


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("rate_limit", 0.1, True),
        ("rate_limit", 1000, True),
        ("rate_limit", 0.05, False),
        ("rate_limit", 0, False),
        ("rate_limit", 1000.5, False),
        ("rate_limit", math.nan, False),
        ("rate_burst", 1, True),
        ("rate_burst", 1000, True),
        ("rate_burst", 0, False),
        ("rate_burst", 1001, False),
    ],
)
def test_the_rate_limit_and_burst_are_bounded(organization, field: str, value: float, valid: bool) -> None:
    integration = HRMSIntegration(
        organization=organization, hrms_type="mock", base_url="https://93.184.216.34", **{field: value}
    )
    if valid:
        integration.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            integration.full_clean()
        assert field in excinfo.value.message_dict


@pytest.mark.parametrize("fields", [{"rate_limit": 5000}, {"rate_limit": 0.01}, {"rate_burst": 5000}])
def test_the_database_refuses_an_out_of_range_budget(organization, make_integration, fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_integration(organization, **fields)


# ---------------------------------------------------------------------- harvey connect --rate-limit N --burst B


def test_connect_stores_the_rate_limit_and_burst() -> None:
    output = connect("--rate-limit", "1000", "--burst", "50")
    integration = HRMSIntegration.objects.get(organization__slug="acme")
    assert (integration.rate_limit, integration.rate_burst) == (1000, 50)
    assert "Rate budget: 1000 requests/s (set), burst 50 (set)." in output


def test_connect_without_a_budget_says_the_adapters_default_applies() -> None:
    assert "Rate budget: 10 requests/s (adapter default), burst 20 (adapter default)." in connect()


def test_connecting_again_without_the_flags_keeps_the_budget() -> None:
    connect("--rate-limit", "300")
    connect()
    assert HRMSIntegration.objects.get(organization__slug="acme").rate_limit == 300


@pytest.mark.parametrize(
    "flags", [["--rate-limit", "0"], ["--rate-limit", "nan"], ["--rate-limit", "100000"], ["--burst", "0"]]
)
def test_connect_refuses_an_out_of_range_budget_and_stores_nothing(flags: list[str]) -> None:
    with pytest.raises(CommandError, match=r"rate_(limit|burst): The (rate limit|burst) must be from"):
        connect(*flags)
    assert not HRMSIntegration.objects.exists()


# ---------------------------------------------------------------------- every run uses it


def test_build_adapter_gives_the_transport_the_configured_budget(organization, make_integration) -> None:
    integration = make_integration(organization, rate_limit=1000, rate_burst=50)
    adapter = build_adapter(integration, state=MemoryTransportState())
    assert (adapter.http.policy.rate_per_second, adapter.http.policy.burst) == (1000, 50)
    assert (adapter.http.limiter.rate, adapter.http.limiter.burst) == (1000, 50)
    assert adapter.http.policy.read_timeout == DEFAULT_POLICY.read_timeout  # the rest of the policy is kept


def test_build_adapter_gives_the_transport_the_adapters_default_budget(organization, make_integration) -> None:
    integration = make_integration(
        organization, hrms_type="bamboohr", credentials={"api_key": "k", "company_domain": "acme"}
    )
    adapter = build_adapter(integration, state=MemoryTransportState())
    assert (adapter.http.limiter.rate, adapter.http.limiter.burst) == (5, 10)


# ---------------------------------------------------------------------- the admin shows and edits it


def test_the_admin_form_shows_the_budget_and_the_adapters_default(admin_client, organization, make_integration):
    integration = make_integration(organization, rate_limit=42)
    html = admin_client.get(reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])).content
    page = html.decode()
    assert 'name="rate_limit"' in page
    assert 'value="42.0"' in page
    assert 'name="rate_burst"' in page
    assert "Canonical HRMS API (mock): 10/s." in page


def test_the_admin_form_edits_the_budget(admin_client, organization, make_integration) -> None:
    integration = make_integration(organization)
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    assert admin_client.post(url, form_data(integration, rate_limit="250", rate_burst="30")).status_code == 302
    integration.refresh_from_db()
    assert integration.rate_budget() == RateBudget(250, 30)


def test_the_admin_form_refuses_an_out_of_range_budget(admin_client, organization, make_integration) -> None:
    integration = make_integration(organization)
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    response = admin_client.post(url, form_data(integration, rate_limit="5000"))
    assert response.status_code == 200
    assert "The rate limit must be from 0.1 to 1000 requests per second" in response.content.decode()
    integration.refresh_from_db()
    assert integration.rate_limit is None


def test_the_changelist_shows_the_effective_budget(admin_client, organization, make_integration) -> None:
    make_integration(organization, rate_limit=250)
    html = admin_client.get(reverse("admin:organizations_hrmsintegration_changelist")).content.decode()
    assert "250 requests/s, burst 20" in html
