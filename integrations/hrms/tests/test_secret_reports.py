"""Building an adapter (which holds decrypted credentials) never shows them in Django's error reports.

See harvey/organizations/tests/test_secret_reports.py for the why; these cover the integration layer's
marked functions: `build_adapter` and the `connection` checks.
"""

from __future__ import annotations

import pytest
from django.views.debug import ExceptionReporter

from integrations.hrms.connection import test_connection as check_connection
from integrations.hrms.connection import validate_configuration
from integrations.hrms.service import build_adapter

SECRET = "tok_decrypted_77aa88bb"

pytestmark = pytest.mark.django_db


class Boom(RuntimeError):
    pass


def error_report(excinfo: pytest.ExceptionInfo) -> str:
    html = ExceptionReporter(None, excinfo.type, excinfo.value, excinfo.tb).get_traceback_html()
    assert "Boom" in html
    return html


@pytest.fixture(autouse=True)
def debug_on(settings) -> None:
    settings.DEBUG = True


@pytest.fixture(autouse=True)
def transport_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock adapter's HTTP client fails while being built, with the bearer token in the adapter's frame."""

    def fail(*args, **kwargs):
        raise Boom("the transport could not be built")

    monkeypatch.setattr("integrations.hrms.adapters.mock.adapter.HRMSHttpClient", fail)


@pytest.fixture
def integration(organization, make_integration):
    return make_integration(organization, credentials={"token": SECRET})


def test_build_adapter_hides_the_decrypted_credentials(integration) -> None:
    with pytest.raises(Boom) as excinfo:
        build_adapter(integration)
    assert SECRET not in error_report(excinfo)


def test_test_connection_hides_the_decrypted_credentials(integration) -> None:
    with pytest.raises(Boom) as excinfo:
        check_connection(integration)
    assert SECRET not in error_report(excinfo)


def test_validate_configuration_hides_the_credentials_it_checks(integration) -> None:
    with pytest.raises(Boom) as excinfo:
        validate_configuration("mock", "http://127.0.0.1:8765", integration.credentials)
    assert SECRET not in error_report(excinfo)
