"""The connect-time SSRF guard: resolve, check every address, connect to a checked one.

Checking the base URL when it is saved is not enough: a host name can resolve to a public address then and
to 127.0.0.1 or a metadata address a minute later (DNS rebinding), and a numeric or IPv6 form can reach an
internal address the save-time check never saw. So every new connection of the shared transport goes:

    resolve the host → check every address (addresses.py) → connect_tcp to a checked address (never the name)

in a custom httpcore network backend wrapping the default one. The name is resolved once per connection and
the socket is opened to the very address that was checked, so there is no second lookup an attacker's DNS
could answer differently. TLS still verifies the original host name: httpcore passes the URL's host as
`server_hostname` to `start_tls`, whatever address the socket was opened to.

A refused address is an `AddressRefused` (a ConfigurationError: permanent, never retried, and not an outage
for the circuit breaker). A name that does not resolve is a connection error (transient, like DNS is).
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore
import httpx

from .addresses import AddressRefused, IPAddress, check_addresses, check_host_name, parse_ip_literal
from .events import log_event


class AddressGuard(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that only ever connects to addresses `addresses.py` allows."""

    def __init__(
        self,
        *,
        allow_private: bool,
        integration_key: str = "",
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.integration_key = integration_key
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        literal = parse_ip_literal(host)
        try:
            check_host_name(host)
            addresses = [literal] if literal is not None else await self._resolve(host, port, timeout)
            check_addresses(host, addresses, allow_private=self.allow_private)
        except AddressRefused as refused:
            log_event(
                "hrms.http.address_refused",
                logging.WARNING,
                integration=self.integration_key,
                host=host,
                reason=refused.reason,
            )
            raise
        last_error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            # An IPv4-mapped address was judged by its IPv4 address, and is reached through it.
            target = getattr(address, "ipv4_mapped", None) or address
            try:
                return await self.inner.connect_tcp(
                    str(target), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last_error = e  # another checked address may answer (the host's IPv4 one after its IPv6 one)
        assert last_error is not None  # `addresses` is never empty
        raise last_error

    async def _resolve(self, host: str, port: int, within: float | None) -> list[IPAddress]:
        """What the resolver answers for `host` now, `within` the connect timeout; never empty."""
        try:
            with anyio.fail_after(within):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from e
        except (OSError, UnicodeError) as e:  # socket.gaierror is an OSError
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {e}") from e
        addresses: list[IPAddress] = []
        for info in infos:
            address = parse_ip_literal(str(info[4][0]))
            if address is not None and address not in addresses:
                addresses.append(address)
        if not addresses:
            raise httpcore.ConnectError(f"{host!r} resolved to no address")
        return addresses

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(
    *,
    allow_private: bool,
    ssl_context: ssl.SSLContext,
    limits: httpx.Limits,
    integration_key: str = "",
    inner: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (request/response mapping, exception mapping) over a pool whose every
    connection goes through `AddressGuard`.

    httpx 0.28 takes no network backend, so the pool it built is replaced by an identical one built with
    httpcore's public constructor plus `network_backend`. Environment proxies are not used (`trust_env`
    off): through a proxy the proxy would resolve the name, and the guard could not check what it reaches.
    """
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        network_backend=AddressGuard(allow_private=allow_private, integration_key=integration_key, inner=inner),
    )
    return transport
