"""Validation of an HRMS connection: its type, its base URL (SSRF) and its sync schedule.

The base URL is user input that Harvey's servers will call, so it must not point inside Harvey's own
network (DESIGN.md §5): loopback, private, link-local, multicast, reserved and cloud metadata addresses are
refused unless private addresses are explicitly allowed for development. Host names are resolved and every
address they resolve to is checked.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

# Cloud instance-metadata endpoints: never an HRMS, not even in development (they hand out credentials).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

SYNC_ENTITIES = (
    "employees",
    "departments",
    "job_requisitions",
    "candidates",
    "interviews",
    "leave_requests",
    "leave_balances",
)
DAILY_AT_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def validate_hrms_base_url(url: str, allow_private: bool = False) -> str:
    """Check that `url` is an http(s) URL whose host is a public address; return it unchanged.

    `allow_private` (the integration's `allow_private_network`) or `settings.HARVEY_ALLOW_PRIVATE_HRMS`
    (on by default only in development) lets loopback and private addresses through, for a mock HRMS on
    this machine; metadata addresses stay refused either way. Raises `ValidationError`.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValidationError("The HRMS base URL must start with http:// or https://.", code="scheme")
    if parts.username or parts.password:
        raise ValidationError("Put credentials in the credential fields, not in the HRMS base URL.", code="userinfo")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ValidationError("The HRMS base URL has no host name.", code="host")
    try:
        port = parts.port
    except ValueError as e:
        raise ValidationError("The HRMS base URL has an invalid port.", code="port") from e
    if host in METADATA_HOSTS:
        raise ValidationError("The HRMS base URL points at a cloud metadata service.", code="metadata")
    allow_private = allow_private or bool(getattr(settings, "HARVEY_ALLOW_PRIVATE_HRMS", False))
    for address in _resolve(host, port):
        _check_address(address, allow_private=allow_private)
    return url


def _resolve(host: str, port: int | None) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise ValidationError(f"The HRMS host {host!r} cannot be resolved.", code="unresolvable") from e
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def _check_address(address: IPAddress, *, allow_private: bool) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        raise ValidationError("The HRMS base URL points at a cloud metadata service.", code="metadata")
    if address.is_multicast:
        raise ValidationError("The HRMS base URL points at a multicast address.", code="multicast")
    if address.is_global or allow_private:
        return
    kind = (
        "a loopback"
        if address.is_loopback
        else "a link-local"
        if address.is_link_local
        else "a private"
        if address.is_private
        else "a reserved or non-public"
    )
    raise ValidationError(
        f"The HRMS base URL points at {kind} address ({address}). Harvey only calls public addresses "
        "unless the integration allows private networks (development only).",
        code="private_address",
    )


def validate_hrms_type(value: str) -> None:
    """Accept only adapter types the registry knows, and list them when the type is unknown.

    The registry is imported here, not at module level, so migrations and early start-up never depend on
    the adapter packages; if it cannot be imported, any slug is accepted.
    """
    try:
        registry = importlib.import_module("integrations.hrms.registry")
    except ImportError:
        return
    known = sorted(registry.known_types())
    if value not in known:
        raise ValidationError(
            f"Unknown HRMS type {value!r}. Known types: {', '.join(known) or '(none registered)'}.",
            code="unknown_hrms_type",
        )


def validate_sync_settings(value: Any) -> None:
    """Per entity: `{"enabled": bool, "interval_minutes": int}` or `{"enabled": bool, "daily_at": "HH:MM"}`."""
    if not isinstance(value, dict):
        raise ValidationError("Sync settings must be a JSON object keyed by entity.", code="sync_settings")
    for entity, schedule in value.items():
        where = f"sync_settings[{entity!r}]"
        if entity not in SYNC_ENTITIES:
            raise ValidationError(
                f"{where}: unknown entity; use one of {', '.join(SYNC_ENTITIES)}.", code="sync_settings"
            )
        if not isinstance(schedule, dict) or not isinstance(schedule.get("enabled", True), bool):
            raise ValidationError(f"{where} must be an object with a boolean 'enabled'.", code="sync_settings")
        unknown = set(schedule) - {"enabled", "interval_minutes", "daily_at"}
        if unknown:
            raise ValidationError(f"{where}: unknown keys {sorted(unknown)}.", code="sync_settings")
        has_interval, has_daily = "interval_minutes" in schedule, "daily_at" in schedule
        if has_interval == has_daily:
            raise ValidationError(
                f"{where} needs exactly one of 'interval_minutes' or 'daily_at'.", code="sync_settings"
            )
        interval = schedule.get("interval_minutes")
        if has_interval and (
            isinstance(interval, bool)
            or not isinstance(interval, int)
            or not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES
        ):
            raise ValidationError(
                f"{where}: interval_minutes must be a whole number from {MIN_INTERVAL_MINUTES} "
                f"to {MAX_INTERVAL_MINUTES}.",
                code="sync_settings",
            )
        if has_daily and not (isinstance(schedule["daily_at"], str) and DAILY_AT_RE.match(schedule["daily_at"])):
            raise ValidationError(f"{where}: daily_at must be a time 'HH:MM' (24-hour).", code="sync_settings")
