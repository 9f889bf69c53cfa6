"""Validation of an HRMS connection: its type, its base URL (SSRF), its rate budget and its sync schedule.

The base URL is user input that Harvey's servers will call, so it must not point inside Harvey's own
network (docs/architecture.md §3.4). The rules — which addresses are refused, always or unless private networks are
allowed — live in `integrations.hrms.http.addresses`, shared with the connect-time guard of the transport,
which checks again on every connection. Host names are resolved and every address they resolve to is
checked.
"""

from __future__ import annotations

import importlib
import math
import re
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from hrmodel import catalogue
from integrations.hrms.http.addresses import (
    AddressRefused,
    IPAddress,
    check_addresses,
    check_host_name,
    parse_ip_literal,
)

DAILY_AT_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60

# The rate budget an integration may set (requests per second to its HRMS, shared by all workers): from one
# request every 10 s, for an HRMS that throttles hard, to 1,000/s, far above any vendor's published limit.
MIN_RATE_LIMIT = 0.1
MAX_RATE_LIMIT = 1000.0
MIN_RATE_BURST = 1
MAX_RATE_BURST = 1000


def private_network_allowed(allowed_here: bool) -> bool:
    """The integration's own `allow_private_network`, or HARVEY_ALLOW_PRIVATE_HRMS=1 for the deployment
    (off unless set, in every environment)."""
    return allowed_here or bool(getattr(settings, "HARVEY_ALLOW_PRIVATE_HRMS", False))


def validate_hrms_base_url(url: str, allow_private: bool = False) -> str:
    """Check that `url` is an http(s) URL whose host is a public address; return it unchanged.

    `allow_private` (the integration's `allow_private_network`) or `settings.HARVEY_ALLOW_PRIVATE_HRMS`
    lets loopback and private addresses through, for a mock HRMS on this machine; metadata, link-local and
    unspecified addresses stay refused either way. Raises `ValidationError`.
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
    allow_private = private_network_allowed(allow_private)
    try:
        check_host_name(host)
        literal = parse_ip_literal(host)
        check_addresses(host, [literal] if literal is not None else _resolve(host, port), allow_private=allow_private)
    except AddressRefused as e:
        raise ValidationError(e.message, code=e.reason) from e
    return url


def _resolve(host: str, port: int | None) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise ValidationError(f"The HRMS host {host!r} cannot be resolved.", code="unresolvable") from e
    addresses = [parse_ip_literal(str(info[4][0])) for info in infos]
    return [address for address in addresses if address is not None]


def _bounded(value: Any, low: float, high: float, message: str) -> None:
    number = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    if not (number and low <= value <= high):
        raise ValidationError(message, code="out_of_range")


def validate_rate_limit(value: Any) -> None:
    """Requests per second: a finite number within the bounds (NaN and infinity are refused too)."""
    _bounded(
        value,
        MIN_RATE_LIMIT,
        MAX_RATE_LIMIT,
        f"The rate limit must be from {MIN_RATE_LIMIT:g} to {MAX_RATE_LIMIT:g} requests per second; got {value}.",
    )


def validate_rate_burst(value: Any) -> None:
    _bounded(
        value,
        MIN_RATE_BURST,
        MAX_RATE_BURST,
        f"The burst must be from {MIN_RATE_BURST} to {MAX_RATE_BURST} requests; got {value}.",
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
        if entity not in catalogue.NAMES:
            raise ValidationError(
                f"{where}: unknown entity; use one of {', '.join(catalogue.NAMES)}.", code="sync_settings"
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
