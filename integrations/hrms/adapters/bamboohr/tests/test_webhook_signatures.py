"""BambooHR's webhook scheme: HMAC-SHA256 hex over body + timestamp, a freshness window, its payload shapes."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from integrations.hrms.base import AdapterConfig
from integrations.hrms.errors import ConfigurationError
from integrations.hrms.webhooks.handler import NotVendorPayload, SignatureInvalid, StaleDelivery
from mock_hrms.vendors.bamboohr import sign as simulator_sign

from ..webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, BambooHRWebhookHandler, sign

KEY = "0123456789abcdef0123456789abcdef"
NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
FIVE_MINUTES = dt.timedelta(minutes=5)
BODY = orjson.dumps(
    {"type": "employee.updated", "timestamp": "2026-03-01T09:30:00+0000",
     "data": {"companyId": "100", "employeeId": "42", "changedFields": ["jobTitle"]}}
)  # fmt: skip
handler = BambooHRWebhookHandler()


def headers(body: bytes = BODY, *, at: dt.datetime = NOW, key: str = KEY) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    return {SIGNATURE_HEADER: sign(body, timestamp, key), TIMESTAMP_HEADER: timestamp}


def verify(body: bytes, sent: dict[str, str], *, now: dt.datetime = NOW) -> None:
    handler.verify(body, sent, KEY, now=now, max_age=FIVE_MINUTES)


def test_our_signature_is_the_one_the_simulator_sends():
    assert sign(BODY, "1700000000", KEY) == simulator_sign(BODY, "1700000000", KEY)


def test_a_valid_delivery_is_accepted():
    verify(BODY, headers())


def test_a_delivery_signed_with_another_key_is_rejected():
    with pytest.raises(SignatureInvalid):
        verify(BODY, headers(key="another-key"))


def test_a_body_with_one_flipped_byte_is_rejected():
    flipped = bytearray(BODY)
    flipped[10] ^= 0x01
    with pytest.raises(SignatureInvalid):
        verify(bytes(flipped), headers())


def test_a_changed_timestamp_breaks_the_signature():
    sent = headers()
    sent[TIMESTAMP_HEADER] = str(int(sent[TIMESTAMP_HEADER]) + 1)
    with pytest.raises(SignatureInvalid):
        verify(BODY, sent)


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed():
    with pytest.raises(StaleDelivery):
        verify(BODY, headers(at=NOW - dt.timedelta(minutes=6)))


def test_a_timestamp_from_the_future_beyond_the_window_is_rejected():
    with pytest.raises(StaleDelivery):
        verify(BODY, headers(at=NOW + dt.timedelta(minutes=6)))


def test_a_delivery_inside_the_window_is_accepted():
    verify(BODY, headers(at=NOW - dt.timedelta(minutes=4)))


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_missing_headers_are_rejected(missing):
    sent = headers()
    del sent[missing]
    with pytest.raises(SignatureInvalid):
        verify(BODY, sent)


def test_the_event_id_is_the_same_for_a_redelivery_and_differs_for_another_delivery():
    first = handler.parse(BODY, headers())
    assert handler.parse(BODY, headers()).event_id == first.event_id
    assert handler.parse(BODY, headers(at=NOW + dt.timedelta(seconds=1))).event_id != first.event_id


def test_an_employee_event_names_the_employee_to_refetch():
    event = handler.parse(BODY, headers())
    assert event.handled
    changes = handler.changes(event.event_type, event.payload)
    assert [(ch.entity, ch.external_id, ch.deleted) for ch in changes] == [("employees", "42", False)]


def test_an_employee_deleted_event_is_a_deletion():
    body = orjson.dumps({"type": "employee.deleted", "timestamp": "2026-03-01T09:30:00+0000",
                         "data": {"companyId": "100", "employeeId": "42"}})  # fmt: skip
    change = handler.changes("employee.deleted", handler.parse(body, headers(body)).payload)[0]
    assert (change.external_id, change.deleted) == ("42", True)


def test_a_field_based_payload_names_every_employee():
    stamp = "2026-03-01T09:30:00+0000"
    entries = [
        {"id": "7", "action": "Updated", "timestamp": stamp},
        {"id": "8", "action": "Deleted", "timestamp": stamp},
    ]
    body = orjson.dumps({"employees": entries})
    event = handler.parse(body, headers(body))
    changes = handler.changes(event.event_type, event.payload)
    assert [(ch.external_id, ch.deleted) for ch in changes] == [("7", False), ("8", True)]


def test_a_company_event_is_real_but_not_handled():
    body = orjson.dumps({"type": "company.updated", "timestamp": "2026-03-01T09:30:00+0000", "data": {}})
    assert handler.parse(body, headers(body)).handled is False


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"hello": "world"}', b'{"type": "employee.updated", "data": {}}',
     b'{"employees": [{"action": "Updated"}]}', b'{"type": "Robert\'); DROP", "data": {}}'],
)  # fmt: skip
def test_a_payload_bamboohr_would_not_send_is_rejected(body):
    with pytest.raises(NotVendorPayload):
        handler.parse(body, headers(body))


def receiver(**credentials):
    stored = {"api_key": "an-api-key", "company_domain": "acme", **credentials}
    return handler.receiver_settings(AdapterConfig(base_url="https://acme.bamboohr.com", credentials=stored))


def test_the_receiver_gets_the_webhook_key_and_the_integrations_own_window():
    settings = receiver(webhook_key=KEY, webhook_max_age_seconds="120")
    assert (settings.secret, settings.max_age) == (KEY, dt.timedelta(seconds=120))


def test_without_a_window_of_its_own_the_deployments_default_applies():
    assert receiver(webhook_key=KEY).max_age is None


def test_without_a_webhook_key_there_is_no_receiver():
    assert receiver() is None


@pytest.mark.parametrize("window", ["abc", "5", "99999", ""])
def test_a_stored_window_outside_the_schema_is_a_configuration_error_without_the_value(window):
    with pytest.raises(ConfigurationError) as caught:
        receiver(webhook_key=KEY, webhook_max_age_seconds=window)
    assert "webhook_max_age_seconds" in caught.value.message
    assert KEY not in caught.value.message


def test_the_receiver_settings_never_show_the_key():
    assert KEY not in repr(receiver(webhook_key=KEY))
