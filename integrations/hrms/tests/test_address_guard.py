"""SSRF at connect time: the shared transport resolves, checks every address and connects to a checked one.

The save-time check (harvey/organizations/tests/test_base_url_validation.py) is not enough on its own: these
tests build the client directly, as a URL saved before a DNS change (or before the rules changed) would be
used, and show the transport itself refusing.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest

from integrations.hrms import errors as e
from integrations.hrms.http import HRMSHttpClient, MemoryTransportState, TransportPolicy
from integrations.hrms.http.client import tls_context
from integrations.hrms.http.guarded_transport import AddressGuard, guarded_transport

ONE_TRY = TransportPolicy(max_retries=0)
TEREDO_CLIENT_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"  # client bits are 127.0.0.1, inverted
TEREDO_CLIENT_METADATA = "2001:0:4136:e378:8000:63bf:5601:5601"  # client bits are 169.254.169.254, inverted


class LocalServer:
    """A tiny HTTP server on 127.0.0.1 that counts the requests it gets. `/redirect` answers 302 to
    `redirect_to`; anything else answers 200 with `{"ok": true}`."""

    def __init__(self, redirect_to: str = "") -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", owner.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # quiet test output
                pass

        self.redirect_to = redirect_to
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as live:
        yield live


def client(base_url: str, **kwargs) -> HRMSHttpClient:
    kwargs.setdefault("policy", ONE_TRY)
    return HRMSHttpClient(base_url, integration_key="guard-test", state=MemoryTransportState(), **kwargs)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the network: records where the guard connects, then fails that connection."""

    def __init__(self) -> None:
        self.connects: list[str] = []
        self.server_hostnames: list[str | None] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ASYNC109
        self.connects.append(host)
        return RecordingStream(self)

    async def sleep(self, seconds: float) -> None:
        pass


class RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self, backend: RecordingBackend) -> None:
        self.backend = backend

    async def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # noqa: ASYNC109
        self.backend.server_hostnames.append(server_hostname)
        raise httpcore.ConnectError("the test stops at the TLS handshake")

    async def write(self, buffer: bytes, timeout=None) -> None:  # noqa: ASYNC109
        raise httpcore.WriteError("the test stops before any request is sent")

    async def read(self, max_bytes: int, timeout=None) -> bytes:  # noqa: ASYNC109
        raise httpcore.ReadError("never reached")

    async def aclose(self) -> None:
        pass


def guarded_client(base_url: str, backend: RecordingBackend, *, allow_private: bool = False) -> HRMSHttpClient:
    transport = guarded_transport(
        allow_private=allow_private, ssl_context=tls_context(), limits=ONE_TRY.limits(), inner=backend
    )
    return client(base_url, transport=transport)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch):
    """`resolver({"hr.example.test": ["93.184.216.34"]})`: fake DNS; a list of lists answers in turn."""
    calls: list[str] = []

    def install(answers: dict[str, list]) -> list[str]:
        def fake_getaddrinfo(host, port, *args, **kwargs):
            host = host.decode() if isinstance(host, bytes) else host  # anyio passes the IDNA-encoded name
            calls.append(host)
            answer = answers[host]
            if answer and isinstance(answer[0], list):
                answer = answer[min(calls.count(host), len(answer)) - 1]
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in answer
            ]

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
        return calls

    return install


# ---------------------------------------------------------------------- the default transport, end to end

LOOPBACK_FORMS = ["localhost", "127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
async def test_the_default_transport_refuses_loopback_at_connect_time(server: LocalServer, host: str) -> None:
    async with client(f"http://{host}:{server.port}") as http:
        with pytest.raises(e.ConfigurationError, match="loopback") as info:
            await http.request("GET", "/ok")
    assert "--allow-private-network" in info.value.message  # says what an admin can do
    assert server.requests == []


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
async def test_the_default_transport_reaches_loopback_when_private_networks_are_allowed(
    server: LocalServer, host: str
) -> None:
    async with client(f"http://{host}:{server.port}", allow_private_network=True) as http:
        response = await http.request("GET", "/ok")
    assert response.json() == {"ok": True}
    assert server.requests == ["/ok"]


async def test_a_refused_address_is_permanent_and_never_retried(server: LocalServer) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with client(f"http://localhost:{server.port}", policy=TransportPolicy(max_retries=5), sleep=sleep) as http:
        with pytest.raises(e.ConfigurationError) as info:
            await http.request("GET", "/ok")
    assert not info.value.retryable
    assert slept == []


async def test_a_redirect_to_another_host_is_not_followed() -> None:
    with LocalServer() as target, LocalServer(redirect_to="") as origin:
        origin.redirect_to = f"http://localhost:{target.port}/stolen"
        async with client(f"http://127.0.0.1:{origin.port}", allow_private_network=True) as http:
            with pytest.raises(e.HRMSError, match="302"):
                await http.request("GET", "/redirect")
    assert origin.requests == ["/redirect"]
    assert target.requests == []


async def test_a_redirect_to_a_metadata_address_is_not_followed(server: LocalServer) -> None:
    server.redirect_to = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    async with client(f"http://127.0.0.1:{server.port}", allow_private_network=True) as http:
        with pytest.raises(e.HRMSError, match="302"):
            await http.request("GET", "/redirect")
    assert server.requests == ["/redirect"]


# ---------------------------------------------------------------------- each vector, at the guard

ALWAYS_REFUSED = {
    "metadata": "169.254.169.254",
    "metadata (Alibaba, inside CGNAT)": "100.100.100.200",
    "metadata (AWS IPv6)": "fd00:ec2::254",
    "metadata through NAT64": "64:ff9b::a9fe:a9fe",
    "metadata through 6to4": "2002:a9fe:a9fe::",
    "metadata through Teredo": TEREDO_CLIENT_METADATA,
    "metadata, IPv4-mapped": "::ffff:169.254.169.254",
    "link-local": "169.254.10.10",
    "IPv6 link-local": "fe80::1",
    "unspecified": "0.0.0.0",
    "IPv6 unspecified": "::",
    "multicast": "224.0.0.1",
    "reserved": "240.0.0.1",
}
PRIVATE = {
    "loopback, octal": "0177.0.0.1",
    "loopback, hexadecimal": "0x7f000001",
    "loopback, one number": "2130706433",
    "loopback, short": "127.1",
    "IPv6 loopback": "::1",
    "loopback, IPv4-compatible": "::7f00:1",
    "loopback through NAT64": "64:ff9b::7f00:1",
    "loopback through 6to4": "2002:7f00:1::",
    "loopback through Teredo": TEREDO_CLIENT_LOOPBACK,
    "private": "10.0.0.1",
    "private, IPv4-mapped": "::ffff:192.168.1.10",
    "unique local": "fd12:3456::1",
    "CGNAT": "100.64.0.1",
}


@pytest.mark.parametrize("host", [*ALWAYS_REFUSED.values(), *PRIVATE.values()], ids=[*ALWAYS_REFUSED, *PRIVATE])
async def test_the_guard_refuses_every_internal_form_before_connecting(host: str) -> None:
    backend = RecordingBackend()
    guard = AddressGuard(allow_private=False, inner=backend)
    with pytest.raises(e.ConfigurationError):
        await guard.connect_tcp(host, 443)
    assert backend.connects == []


@pytest.mark.parametrize("host", ALWAYS_REFUSED.values(), ids=ALWAYS_REFUSED)
async def test_metadata_link_local_and_unspecified_stay_refused_when_private_networks_are_allowed(host: str) -> None:
    backend = RecordingBackend()
    guard = AddressGuard(allow_private=True, inner=backend)
    with pytest.raises(e.ConfigurationError):
        await guard.connect_tcp(host, 443)
    assert backend.connects == []


@pytest.mark.parametrize(
    ("host", "reached"),
    [("0x7f000001", "127.0.0.1"), ("::ffff:192.168.1.10", "192.168.1.10"), ("100.64.0.1", "100.64.0.1")],
)
async def test_allowed_private_forms_are_reached_at_the_address_they_denote(host: str, reached: str) -> None:
    backend = RecordingBackend()
    await AddressGuard(allow_private=True, inner=backend).connect_tcp(host, 80)
    assert backend.connects == [reached]


async def test_the_metadata_service_names_are_refused_without_resolving_them(resolver) -> None:
    calls = resolver({})
    with pytest.raises(e.ConfigurationError, match="metadata"):
        await AddressGuard(allow_private=True, inner=RecordingBackend()).connect_tcp("metadata.google.internal", 80)
    assert calls == []


# ---------------------------------------------------------------------- names: resolved once, every answer checked


async def test_a_name_resolving_to_a_public_address_is_reached_at_that_address(resolver) -> None:
    resolver({"hr.example.test": ["93.184.216.34"]})
    backend = RecordingBackend()
    async with guarded_client("http://hr.example.test", backend) as http:
        with pytest.raises(e.HRMSError):  # the recording stream refuses to send; the connection was made
            await http.request("GET", "/ok")
    assert backend.connects == ["93.184.216.34"]


async def test_a_name_with_one_internal_answer_among_public_ones_is_refused(resolver) -> None:
    resolver({"hr.example.test": ["93.184.216.34", "127.0.0.1"]})
    backend = RecordingBackend()
    async with guarded_client("http://hr.example.test", backend) as http:
        with pytest.raises(e.ConfigurationError, match=r"'hr.example.test' resolves to a loopback address"):
            await http.request("GET", "/ok")
    assert backend.connects == []


async def test_dns_rebinding_after_the_url_was_validated_is_refused_at_connect_time(resolver) -> None:
    from harvey.organizations.validators import validate_hrms_base_url

    resolver({"hr.example.test": [["93.184.216.34"], ["169.254.169.254"]]})
    validate_hrms_base_url("https://hr.example.test/api")  # saved while it pointed at a public address
    backend = RecordingBackend()
    async with guarded_client("https://hr.example.test/api", backend) as http:
        with pytest.raises(e.ConfigurationError, match="metadata"):
            await http.request("GET", "/ok")
    assert backend.connects == []


async def test_the_connection_goes_to_the_checked_address_not_to_a_second_lookup(resolver) -> None:
    calls = resolver({"hr.example.test": [["10.1.2.3"], ["169.254.169.254"]]})
    backend = RecordingBackend()
    async with guarded_client("http://hr.example.test", backend, allow_private=True) as http:
        with pytest.raises(e.HRMSError):
            await http.request("GET", "/ok")
    assert backend.connects == ["10.1.2.3"]
    assert calls == ["hr.example.test"]


async def test_tls_verifies_the_original_host_name_not_the_address(resolver) -> None:
    resolver({"hr.example.test": ["93.184.216.34"]})
    backend = RecordingBackend()
    async with guarded_client("https://hr.example.test", backend) as http:
        with pytest.raises(e.HRMSError):
            await http.request("GET", "/ok")
    assert backend.connects == ["93.184.216.34"]
    assert backend.server_hostnames == ["hr.example.test"]


async def test_a_name_that_does_not_resolve_is_a_transient_connection_error(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    async with guarded_client("http://hr.example.test", RecordingBackend()) as http:
        with pytest.raises(e.Unavailable) as info:
            await http.request("GET", "/ok")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
