"""BambooHR transport: the shared HRMS client with BambooHR's auth, URL form and throttling rules.

Everything here is transport (docs/style.md §2.4); the adapter only maps. Auth is HTTP Basic with the API
key as user name and any password (https://documentation.bamboohr.com/docs/getting-started#authentication);
every request asks for JSON, since BambooHR answers XML otherwise.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from integrations.hrms.http import DEFAULT_CLASSIFIER, HRMSHttpClient, ResponseClassifier
from integrations.hrms.http.classify import rate_limited

from .config import BambooHRConfig

BASIC_PASSWORD = "x"  # ignored by BambooHR; the official SDK sends "x"

# Before 16 Sep 2026 BambooHR throttled with 503 (https://documentation.bamboohr.com/docs/planned-changes-to-the-api)
LEGACY_CLASSIFIER = DEFAULT_CLASSIFIER.override({503: rate_limited})


def classifier_for(config: BambooHRConfig) -> ResponseClassifier:
    """429 + Retry-After is a rate limit everywhere; 503 only in the legacy mode (otherwise: unavailable)."""
    return LEGACY_CLASSIFIER if config.legacy_503_throttling else DEFAULT_CLASSIFIER


def build_http_client(config: BambooHRConfig, *, integration_key: str, **http_options: Any) -> HRMSHttpClient:
    """The pooled client for one company, rooted at its `/v1/` (paths are then relative: `employees/0`)."""
    return HRMSHttpClient(
        config.api_root(),
        integration_key=integration_key,
        auth=httpx.BasicAuth(config.api_key.get_secret_value(), BASIC_PASSWORD),
        headers={"Accept": "application/json"},
        classify=classifier_for(config),
        **http_options,
    )


def seg(value: object) -> str:
    """One URL path segment: an id can never climb out of its resource (`../`) or smuggle a query."""
    return quote(str(value), safe="")
