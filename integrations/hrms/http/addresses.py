"""Which network addresses Harvey may call as an HRMS (SSRF), decided in one place.

An HRMS base URL is user input that Harvey's servers will call, so it must not reach inside Harvey's own
network (docs/architecture.md §3.4). The same rules are applied twice: when the URL is saved
(`harvey.organizations.validators`), and at connect time on every address the host name resolves to
(`guarded_transport.py`), so a name that changes its answer after it was saved (DNS rebinding) is still
refused.

| address                                                   | refused                                  |
| --------------------------------------------------------- | ---------------------------------------- |
| cloud metadata (169.254.169.254, fd00:ec2::254, ...)      | always                                   |
| multicast, unspecified (0.0.0.0, ::), link-local          | always                                   |
| reserved, documentation, benchmarking, site-local, ...    | always (anything not globally routable)  |
| loopback, private (RFC 1918, fc00::/7), CGNAT 100.64/10   | unless private networks are allowed      |

Private networks are allowed by the integration's `allow_private_network` (`harvey connect
--allow-private-network`) or for a whole deployment by `HARVEY_ALLOW_PRIVATE_HRMS=1`; never by default.

Addresses are judged by what they really reach: an IPv6 address that embeds an IPv4 one (IPv4-mapped
`::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`)
is judged by the IPv4 address inside, and numeric IPv4 forms the C resolver accepts (`0x7f000001`,
`2130706433`, `0177.0.0.1`, `127.1`) are read as the resolver reads them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..errors import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance-metadata endpoints: never an HRMS, not even in development (they hand out credentials).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space (carrier NAT, VPN overlays)
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network) for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the low 32 bits are the IPv4
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated RFC 4291 §2.5.5.1 form, still routed by some stacks

# One part of a numeric IPv4 host as inet_aton(3) reads it: hexadecimal, octal (leading 0) or decimal.
_NUMERIC_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")

ALLOW_HINT = (
    "Harvey only calls public addresses unless private networks are allowed: for this integration with "
    "`harvey connect --allow-private-network` (or 'Allow private network' in the admin), or for the whole "
    "deployment with HARVEY_ALLOW_PRIVATE_HRMS=1."
)
NEVER_HINT = "Harvey never calls such an address, not even when private networks are allowed."


class AddressRefused(ConfigurationError):
    """The HRMS host is, or resolves to, an address Harvey must not call. Permanent: no retry can help.

    `reason` is a short stable word (`metadata`, `multicast`, `private_address`) that form validation
    reuses as its error code.
    """

    code = "address_refused"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Refusal:
    reason: str
    kind: str  # "a loopback", "a cloud metadata", ... (reads as "points at {kind} address")
    #: True when allowing private networks lifts the refusal (loopback, private, CGNAT).
    private: bool
    #: The IPv4 address this verdict is really about, when the address embeds one.
    embedded: ipaddress.IPv4Address | None = None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, or None for a name that must be resolved.

    Accepts `[v6]`, plain IPv6 and IPv4, and the numeric IPv4 forms of inet_aton(3): one to four parts,
    each decimal, octal or hexadecimal, the last part filling the remaining bytes (`127.1` is 127.0.0.1).
    """
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]  # an IPv6 zone id ("fe80::1%eth0") does not change what is reached
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    *leading, last = [_part_value(part) for part in parts]
    if any(number > 0xFF for number in leading) or last >= 256 ** (4 - len(leading)):
        return None  # not an address (inet_aton refuses it too); resolving it as a name will fail
    value = 0
    for number in leading:
        value = value << 8 | number
    return ipaddress.IPv4Address(value << 8 * (4 - len(leading)) | last)


def _part_value(part: str) -> int:
    if part[:2] in ("0x", "0X"):
        return int(part, 16)
    return int(part, 8) if part.startswith("0") else int(part)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and would reach through a translator or tunnel."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.teredo is not None:
        server, client = address.teredo
        return [server, client]
    if address.sixtofour is not None:
        return [address.sixtofour]
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in NAT64:
        return [low32]
    if address in IPV4_COMPATIBLE and not (address.is_unspecified or address.is_loopback):
        return [low32]
    return []


def classify(address: IPAddress) -> Refusal | None:
    """None for an address Harvey may call; otherwise why not, and whether private networks lift it."""
    inner = embedded_ipv4(address)
    if inner:
        refusals = [
            Refusal(refusal.reason, refusal.kind, refusal.private, ipv4)
            for ipv4 in inner
            if (refusal := classify(ipv4)) is not None
        ]
        # The strictest wins: a Teredo address whose relay is public but whose client is metadata is metadata.
        return min(refusals, key=lambda refusal: refusal.private, default=None)
    if address in METADATA_ADDRESSES:
        return Refusal("metadata", "a cloud metadata", private=False)
    if address.is_multicast:
        return Refusal("multicast", "a multicast", private=False)
    if address.is_unspecified:
        return Refusal("private_address", "an unspecified", private=False)
    if address.is_link_local:
        return Refusal("private_address", "a link-local", private=False)
    if address.is_loopback:
        return Refusal("private_address", "a loopback", private=True)
    if address in CGNAT:
        return Refusal("private_address", "a carrier-grade NAT (100.64.0.0/10)", private=True)
    if any(address in network for network in PRIVATE_NETWORKS):
        return Refusal("private_address", "a private", private=True)
    if address.is_global and not address.is_reserved and not getattr(address, "is_site_local", False):
        return None
    return Refusal("private_address", "a reserved or non-public", private=False)


def check_address(address: IPAddress, *, allow_private: bool, host: str | None = None) -> None:
    """Raise AddressRefused unless Harvey may call `address` (which `host`, a name, resolved to)."""
    refusal = classify(address)
    if refusal is None or (refusal.private and allow_private):
        return
    shown = f"{address}, which embeds {refusal.embedded}" if refusal.embedded else str(address)
    where = f"The HRMS host {host!r} resolves to" if host else "The HRMS base URL points at"
    hint = ALLOW_HINT if refusal.private else NEVER_HINT
    raise AddressRefused(f"{where} {refusal.kind} address ({shown}). {hint}", reason=refusal.reason)


def check_addresses(host: str, addresses: list[IPAddress], *, allow_private: bool) -> None:
    """Check every address `host` stands for, before any connection: one bad answer refuses the host."""
    named = parse_ip_literal(host) is None
    for address in addresses:
        check_address(address, allow_private=allow_private, host=host if named else None)


def check_host_name(host: str) -> None:
    """Refuse the metadata services' own names before anything is resolved."""
    if host.strip().rstrip(".").lower() in METADATA_HOSTS:
        raise AddressRefused(f"The HRMS host {host!r} is a cloud metadata service. {NEVER_HINT}", reason="metadata")
