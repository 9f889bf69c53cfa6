"""The HRMS base URL cannot point Harvey's servers at internal addresses (SSRF)."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from harvey.organizations.validators import validate_hrms_base_url


@pytest.fixture(autouse=True)
def _private_hrms_not_allowed_by_settings(settings) -> None:
    settings.HARVEY_ALLOW_PRIVATE_HRMS = False


@pytest.fixture
def resolve_to(monkeypatch: pytest.MonkeyPatch):
    """Make every host name resolve to the given address (no real DNS in tests)."""

    def install(address: str) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET

        def fake_getaddrinfo(host, port, *args, **kwargs):
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    return install


def _code(url: str, allow_private: bool = False) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_hrms_base_url(url, allow_private)
    return excinfo.value.code


def test_a_public_https_url_is_accepted() -> None:
    assert validate_hrms_base_url("https://93.184.216.34/api/v1") == "https://93.184.216.34/api/v1"


def test_a_host_name_resolving_to_a_public_address_is_accepted(resolve_to) -> None:
    resolve_to("93.184.216.34")
    validate_hrms_base_url("https://api.bamboohr.com/api/gateway.php/acme")


@pytest.mark.parametrize("url", ["ftp://93.184.216.34/", "file:///etc/passwd", "gopher://x/", "93.184.216.34"])
def test_only_http_and_https_are_accepted(url: str) -> None:
    assert _code(url) == "scheme"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://[::1]/", "http://localhost.:80/", "http://[::ffff:127.0.0.1]/"],
)
def test_loopback_is_rejected(url: str, resolve_to) -> None:
    resolve_to("127.0.0.1")
    assert _code(url) == "private_address"


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.5", "192.168.1.10", "fd12:3456::1"])
def test_private_addresses_are_rejected(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    assert _code(f"https://{host}/") == "private_address"


def test_link_local_is_rejected() -> None:
    assert _code("http://169.254.10.10/") == "private_address"


def test_multicast_is_rejected() -> None:
    assert _code("http://224.0.0.1/") == "multicast"


@pytest.mark.parametrize("url", ["http://0.0.0.0/", "http://240.0.0.1/", "http://100.64.0.1/"])
def test_reserved_and_shared_addresses_are_rejected(url: str) -> None:
    assert _code(url) == "private_address"


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/"])
def test_cloud_metadata_is_rejected_even_when_private_networks_are_allowed(url: str) -> None:
    assert _code(url, allow_private=True) == "metadata"


def test_a_host_name_resolving_to_a_private_address_is_rejected(resolve_to) -> None:
    resolve_to("10.0.0.7")
    assert _code("https://hr.internal.example.com/") == "private_address"


def test_an_unresolvable_host_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert _code("https://no-such-host.invalid/") == "unresolvable"


def test_credentials_in_the_url_are_rejected() -> None:
    assert _code("https://user:pw@93.184.216.34/") == "userinfo"


def test_allow_private_admits_loopback_for_a_local_mock() -> None:
    validate_hrms_base_url("http://127.0.0.1:8765", allow_private=True)


def test_the_development_setting_admits_loopback(settings) -> None:
    settings.HARVEY_ALLOW_PRIVATE_HRMS = True
    validate_hrms_base_url("http://127.0.0.1:8765")
