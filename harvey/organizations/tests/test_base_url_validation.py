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


# ---------------------------------------------------------------------- issue 9: every vector, at save time


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any lookup fails: a host that is an address in some form must be read as one, never resolved."""

    def fail(*args, **kwargs):
        raise socket.gaierror("no DNS in this test")

    monkeypatch.setattr(socket, "getaddrinfo", fail)


@pytest.mark.parametrize("host", ["0x7f000001", "2130706433", "0177.0.0.1", "127.1", "0x7f.1"])
def test_numeric_ipv4_forms_are_read_as_the_resolver_reads_them(host: str, no_dns) -> None:
    with pytest.raises(ValidationError, match=r"loopback address \(127\.0\.0\.1\)"):
        validate_hrms_base_url(f"http://{host}:8000/")


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("[64:ff9b::a9fe:a9fe]", "metadata"),  # NAT64 of 169.254.169.254
        ("[64:ff9b::7f00:1]", "private_address"),  # NAT64 of 127.0.0.1
        ("[2002:a9fe:a9fe::]", "metadata"),  # 6to4 of 169.254.169.254
        ("[2002:7f00:1::]", "private_address"),  # 6to4 of 127.0.0.1
        ("[::7f00:1]", "private_address"),  # IPv4-compatible 127.0.0.1
        ("[::ffff:127.0.0.1]", "private_address"),  # IPv4-mapped
        ("[::ffff:169.254.169.254]", "metadata"),
        ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "private_address"),  # Teredo, client 127.0.0.1
        ("[2001:0:4136:e378:8000:63bf:5601:5601]", "metadata"),  # Teredo, client 169.254.169.254
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_address_they_embed(host: str, code: str, no_dns) -> None:
    assert _code(f"http://{host}/") == code


@pytest.mark.parametrize("host", ["[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[::ffff:169.254.169.254]"])
def test_embedded_metadata_addresses_stay_refused_when_private_networks_are_allowed(host: str) -> None:
    assert _code(f"http://{host}/", allow_private=True) == "metadata"


@pytest.mark.parametrize("host", ["[64:ff9b::7f00:1]", "[::ffff:127.0.0.1]", "0x7f000001", "[::1]"])
def test_embedded_and_numeric_loopback_is_allowed_with_the_permission(host: str) -> None:
    validate_hrms_base_url(f"http://{host}:8000/", allow_private=True)


def test_a_public_address_embedded_in_nat64_is_accepted(no_dns) -> None:
    validate_hrms_base_url("https://[64:ff9b::5db8:d822]/")  # 93.184.216.34


@pytest.mark.parametrize(
    "url", ["http://169.254.10.10/", "http://[fe80::1]/", "http://0.0.0.0/", "http://[::]/", "http://0/"]
)
def test_link_local_and_unspecified_addresses_stay_refused_when_private_networks_are_allowed(url: str) -> None:
    assert _code(url, allow_private=True) == "private_address"


def test_cgnat_is_refused_by_default_and_allowed_as_a_private_network() -> None:
    assert _code("http://100.64.0.1/") == "private_address"
    validate_hrms_base_url("http://100.64.0.1/", allow_private=True)


def test_the_refusal_says_how_to_allow_private_networks() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_hrms_base_url("http://10.0.0.1/")
    message = excinfo.value.messages[0]
    assert "--allow-private-network" in message
    assert "HARVEY_ALLOW_PRIVATE_HRMS=1" in message


def test_a_host_name_with_any_internal_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_answers(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::a9fe:a9fe", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    assert _code("https://hr.example.test/") == "metadata"
