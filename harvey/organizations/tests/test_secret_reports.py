"""Django's error reports never show a decrypted HRMS secret, even with DEBUG on.

Each test makes something fail deep inside code that holds secrets (the adapter's transport, built while
its token sits in a local variable) and renders Django's error report for it, as the DEBUG page or an error
e-mail would. Code marked with `sensitive_variables` hides every local of its frames and of the frames it
calls; `harvey.error_reports` keeps that hiding on when DEBUG is on, which Django's own filter does not.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables

from harvey.organizations.forms import HRMSIntegrationForm
from harvey.organizations.models import HRMSIntegration
from harvey.organizations.tests.form_data import form_data

STORED = "tok_stored_9f8e7d6c"
TYPED = "tok_typed_1a2b3c4d"


class Boom(RuntimeError):
    """An unexpected failure (a bug, a library error) below code that holds secrets."""


def error_report(excinfo: pytest.ExceptionInfo) -> str:
    """The HTML report Django renders for an error (the DEBUG page, the admins' e-mail)."""
    html = ExceptionReporter(None, excinfo.type, excinfo.value, excinfo.tb).get_traceback_html()
    assert "Boom" in html  # a real report of this error, with its frames
    return html


@pytest.fixture(autouse=True)
def debug_on(settings) -> None:
    settings.DEBUG = True


@pytest.fixture
def transport_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock adapter's HTTP client fails while being built: the adapter's frame holds the bearer token."""

    def fail(*args, **kwargs):
        raise Boom("the transport could not be built")

    monkeypatch.setattr("integrations.hrms.adapters.mock.adapter.HRMSHttpClient", fail)


def test_marked_variables_are_hidden_from_the_report_with_debug_on() -> None:
    @sensitive_variables("api_key")
    def call_hrms(api_key: str) -> None:
        raise Boom("HRMS call failed")

    with pytest.raises(Boom) as excinfo:
        call_hrms(STORED)
    assert STORED not in error_report(excinfo)


@pytest.mark.django_db
def test_model_validation_hides_the_credentials_it_validates(organization, transport_fails) -> None:
    integration = HRMSIntegration(
        organization=organization,
        hrms_type="mock",
        base_url="http://127.0.0.1:8765",
        allow_private_network=True,
        credentials={"token": STORED},
    )
    with pytest.raises(Boom) as excinfo:
        integration.full_clean()
    assert STORED not in error_report(excinfo)


@pytest.fixture
def bound_form(organization, make_integration) -> HRMSIntegrationForm:
    """A submitted form with a typed token over a stored one (built here: the test's own frame, which a
    report also shows, holds only the form)."""
    integration = make_integration(organization, credentials={"token": STORED})
    return HRMSIntegrationForm(data=form_data(integration, token=TYPED), instance=integration)


@pytest.mark.django_db
def test_the_admin_form_hides_stored_and_typed_secrets(bound_form, monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise Boom("schema fields failed")

    monkeypatch.setattr("harvey.organizations.forms.submitted_values", fail)
    with pytest.raises(Boom) as excinfo:
        bound_form.is_valid()
    report = error_report(excinfo)
    assert STORED not in report
    assert TYPED not in report


@pytest.mark.django_db
def test_the_admin_change_view_hides_posted_and_stored_secrets(
    admin_client, organization, make_integration, transport_fails
) -> None:
    integration = make_integration(organization, credentials={"token": STORED})
    admin_client.raise_request_exception = False  # answer as a server would: the DEBUG page
    url = reverse("admin:organizations_hrmsintegration_change", args=[integration.pk])
    response = admin_client.post(
        url, form_data(integration, token=TYPED, extra_credentials="client_secret=cs-typed-5566")
    )
    page = response.content.decode()
    assert response.status_code == 500
    assert "Boom" in page  # Django's DEBUG page, with frames and POST data
    for secret in (STORED, TYPED, "cs-typed-5566"):
        assert secret not in page


@pytest.mark.django_db
def test_harvey_connect_hides_the_token_it_read(monkeypatch, transport_fails) -> None:
    monkeypatch.setenv("HARVEY_TEST_TOKEN", TYPED)
    with pytest.raises(Boom) as excinfo:
        call_command(
            "connect",
            *("--org", "acme", "--type", "mock", "--base-url", "http://127.0.0.1:8765", "--allow-private-network"),
            *("--token-env", "HARVEY_TEST_TOKEN"),
            stdout=io.StringIO(),
        )
    assert TYPED not in error_report(excinfo)
