"""The status → error table and Retry-After parsing."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http.classify import (
    DEFAULT_CLASSIFIER,
    classify_transport_error,
    parse_retry_after,
    rate_limited,
)

WHAT = "GET /employees"


def classify(status: int, body: object = None, headers: dict[str, str] | None = None) -> e.HRMSError | None:
    return DEFAULT_CLASSIFIER(httpx.Response(status, json=body, headers=headers), WHAT)


@pytest.mark.parametrize("status", [200, 201, 204])
def test_2xx_is_not_an_error(status: int) -> None:
    assert classify(status) is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (403, e.AuthenticationFailed),
        (404, e.NotFound),
        (409, e.Conflict),
        (400, e.ValidationRejected),
        (422, e.ValidationRejected),
        (429, e.RateLimited),
        (500, e.Unavailable),
        (502, e.Unavailable),
        (503, e.Unavailable),
        (504, e.Unavailable),
    ],
)
def test_status_maps_to_its_typed_error(status: int, expected: type[e.HRMSError]) -> None:
    error = classify(status, {"error": "x", "message": "why"})
    assert type(error) is expected
    assert error.status == status


def test_401_with_token_expired_body_is_token_expired() -> None:
    assert type(classify(401, {"error": "token_expired", "message": "expired"})) is e.TokenExpired


def test_401_otherwise_is_authentication_failed() -> None:
    assert type(classify(401, {"error": "invalid_token"})) is e.AuthenticationFailed


def test_validation_message_comes_from_the_body() -> None:
    error = classify(422, {"error": "validation_error", "message": "email is not valid"})
    assert "email is not valid" in error.message
    assert error.body == {"error": "validation_error", "message": "email is not valid"}


def test_non_json_error_body_still_classifies() -> None:
    error = DEFAULT_CLASSIFIER(httpx.Response(502, text="<html>bad gateway</html>"), WHAT)
    assert isinstance(error, e.Unavailable)
    assert error.body is None


def test_429_carries_retry_after_seconds() -> None:
    assert classify(429, headers={"Retry-After": "7"}).retry_after == 7.0


def test_503_with_retry_after_is_honoured_too() -> None:
    error = classify(503, headers={"Retry-After": "3"})
    assert isinstance(error, e.Unavailable)
    assert error.retry_after == 3.0


def test_unlisted_5xx_is_transient_and_unlisted_4xx_is_permanent() -> None:
    assert classify(507).retryable
    error = classify(418)
    assert type(error) is e.HRMSError
    assert not error.retryable


def test_vendor_can_override_an_entry() -> None:
    bamboo = DEFAULT_CLASSIFIER.override({503: rate_limited})
    error = bamboo(httpx.Response(503, headers={"Retry-After": "2"}), WHAT)
    assert type(error) is e.RateLimited
    assert error.retry_after == 2.0
    assert type(DEFAULT_CLASSIFIER(httpx.Response(503), WHAT)) is e.Unavailable


def test_retry_after_http_date() -> None:
    now = dt.datetime(2026, 1, 5, 10, 0, 0, tzinfo=dt.UTC)
    header = email.utils.format_datetime(now + dt.timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, now=now) == 42.0


def test_retry_after_in_the_past_means_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "soon"])
def test_retry_after_absent_or_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectTimeout("t"),
        httpx.ReadTimeout("t"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("eof"),
    ],
)
def test_network_failures_are_unavailable(exc: httpx.HTTPError) -> None:
    assert type(classify_transport_error(exc, WHAT)) is e.Unavailable


def test_unsupported_scheme_is_a_configuration_error() -> None:
    assert isinstance(classify_transport_error(httpx.UnsupportedProtocol("ftp"), WHAT), e.ConfigurationError)


def test_a_refused_connection_names_where_it_went() -> None:
    error = classify_transport_error(httpx.ConnectError("[Errno 111] Connection refused"), WHAT, "http://10.0.0.5:8080")
    assert (
        error.message
        == f"{WHAT}: connection refused to http://10.0.0.5:8080 (ConnectError: [Errno 111] Connection refused)"
    )
