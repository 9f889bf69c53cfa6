"""No secret ever reaches a response of the receiver, whatever fails inside it, DEBUG on or off (issue 9,
item 3): an unexpected error answers a bare 500, a bad stored configuration a bare 503, and error reports of
the receiver's frames hide their (decrypted) values."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings
from django.views.debug import ExceptionReporter

from integrations.hrms.adapters.bamboohr.webhook import BambooHRWebhookHandler

from .deliveries import API_KEY, CREDENTIALS, HOST, WEBHOOK_KEY, deliver, event

pytestmark = pytest.mark.django_db
SECRETS = (API_KEY.encode(), WEBHOOK_KEY.encode())


@pytest.fixture
def receiver_breaks(monkeypatch):
    """An unexpected error deep inside the receiver, in a frame that holds the decrypted webhook key."""

    def verify(self, body, headers, secret, **kwargs):
        raise RuntimeError("an unexpected failure while verifying")

    monkeypatch.setattr(BambooHRWebhookHandler, "verify", verify)


@override_settings(DEBUG=True)
def test_an_error_inside_the_receiver_with_debug_on_shows_no_secret(integration, receiver_breaks):
    response = deliver(Client(raise_request_exception=False), event("10"))
    assert response.status_code == 500
    assert not [secret for secret in SECRETS if secret in response.content]
    assert response.json() == {"status": "error"}


def test_the_error_report_of_a_receiver_failure_carries_no_secret(integration, receiver_breaks, caplog):
    """The logged failure, rendered the way Django reports errors (mail to admins, error trackers)."""
    with caplog.at_level(logging.ERROR, logger="hrms.webhooks"):
        deliver(Client(raise_request_exception=False), event("10"))
    (record,) = [r for r in caplog.records if r.getMessage() == "hrms.webhook.receiver_error"]
    report = ExceptionReporter(None, *record.exc_info).get_traceback_html()  # with every frame's locals
    assert "verify" in report  # the frame is in the report, its values are not
    assert not [secret for secret in (API_KEY, WEBHOOK_KEY) if secret in report]


@override_settings(DEBUG=True)
@pytest.mark.parametrize("window", ["abc", "-5", "1e9"])
def test_a_bad_stored_replay_window_answers_a_5xx_without_detail(organization, make_integration, caplog, window):
    credentials = {**CREDENTIALS, "webhook_max_age_seconds": window}
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=credentials)
    with caplog.at_level(logging.WARNING, logger="hrms.webhooks"):
        response = deliver(Client(raise_request_exception=False), event("10"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert not [secret for secret in SECRETS if secret in response.content]
    (logged,) = [r for r in caplog.records if r.getMessage() == "hrms.webhook.misconfigured"]
    assert logged.organization == organization.pk
    assert "webhook_max_age_seconds" in logged.reason
