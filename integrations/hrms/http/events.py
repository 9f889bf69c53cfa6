"""Dotted log events of the transport, with safe fields only.

Fields are integration key, method, path (query string dropped — values there can be personal, such as an
e-mail filter — and any path segment that looks like an e-mail masked), attempt counts and waits. Never
headers, bodies or credentials.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("hrms.http")


def safe_path(path: str) -> str:
    path = path.split("?", 1)[0].split("#", 1)[0]
    return "/".join("{redacted}" if "@" in segment else segment for segment in path.split("/"))


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log `event` (e.g. `hrms.http.retry`) with `fields` as record attributes, like every Harvey event: the
    formatter (harvey/log_format.py) appends them once as key=value pairs."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra=fields)
