"""BambooHR connection settings: which company, which key, which URL form.

The schema drives the admin form and the management API (`SecretStr` fields are secrets: stored encrypted,
never echoed). An integration row stores `base_url` on the row and the rest in its encrypted `credentials`;
`BambooHRConfig.from_adapter_config` puts the two back together and validates them, so a missing key is a
clear ConfigurationError before any request is made.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from integrations.hrms.base import AdapterConfig
from integrations.hrms.errors import ConfigurationError
from integrations.hrms.mapping import describe_validation_error

BAMBOO_HOST_SUFFIX = ".bamboohr.com"
LEGACY_API_ROOT = "https://api.bamboohr.com"
DEFAULT_WEBHOOK_MAX_AGE_SECONDS = 300
# A replay window shorter than 30 s refuses honest deliveries from a clock a little off; longer than 15 minutes
# lets a captured delivery be replayed for too long.
MIN_WEBHOOK_MAX_AGE_SECONDS = 30
MAX_WEBHOOK_MAX_AGE_SECONDS = 900


class BambooHRConfig(BaseModel):
    """One company's BambooHR connection (https://documentation.bamboohr.com/docs/getting-started)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    company_domain: str = Field(
        min_length=1,
        max_length=63,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The company's BambooHR subdomain: 'acme' for acme.bamboohr.com",
    )
    api_key: SecretStr = Field(
        min_length=1, description="API key (sent as the HTTP Basic user name)", json_schema_extra={"secret": True}
    )
    url_form: Literal["company", "gateway"] = Field(
        default="company",
        description="'company': https://{company}.bamboohr.com/api/v1/ (current); "
        "'gateway': https://api.bamboohr.com/api/gateway.php/{company}/v1/ (legacy)",
    )
    base_url: str | None = Field(
        default=None, description="Override the API root (a proxy or a simulator); default from url_form"
    )
    webhook_key: SecretStr | None = Field(
        default=None,
        description="The webhook's private key, shown once when the webhook is created in BambooHR",
        json_schema_extra={"secret": True},
    )
    webhook_max_age_seconds: int = Field(
        default=DEFAULT_WEBHOOK_MAX_AGE_SECONDS,
        ge=MIN_WEBHOOK_MAX_AGE_SECONDS,
        le=MAX_WEBHOOK_MAX_AGE_SECONDS,
        description=f"Older webhook deliveries are refused ({MIN_WEBHOOK_MAX_AGE_SECONDS}-"
        f"{MAX_WEBHOOK_MAX_AGE_SECONDS} seconds)",
    )
    legacy_503_throttling: bool = Field(
        default=False,
        description="Treat 503 as 'rate limited' (BambooHR's behaviour before the 429 change of 16 Sep 2026)",
    )

    @classmethod
    def from_adapter_config(cls, config: AdapterConfig) -> BambooHRConfig:
        """Validate an integration's stored settings. `token` is accepted for `api_key` (`harvey connect --token`);
        a missing company domain is taken from a `{company}.bamboohr.com` base URL."""
        values: dict[str, Any] = {**config.options, **config.credentials}
        if "api_key" not in values and "token" in values:
            values["api_key"] = values["token"]
        if config.base_url and "base_url" not in values:
            values["base_url"] = config.base_url
        values.setdefault("company_domain", company_from_host(values.get("base_url")))
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            raise ConfigurationError(f"BambooHR settings are invalid: {describe_validation_error(e)}") from e

    def api_root(self) -> str:
        """The versioned API root every path is relative to, ending in `/v1/`."""
        if self.url_form == "gateway":
            root = (self.base_url or LEGACY_API_ROOT).rstrip("/")
            return f"{root}/api/gateway.php/{self.company_domain}/v1/"
        root = (self.base_url or f"https://{self.company_domain}{BAMBOO_HOST_SUFFIX}").rstrip("/")
        return f"{root}/api/v1/"


def company_from_host(base_url: str | None) -> str | None:
    """'acme' from https://acme.bamboohr.com, else None."""
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    if host.endswith(BAMBOO_HOST_SUFFIX) and host != "api" + BAMBOO_HOST_SUFFIX:
        return host[: -len(BAMBOO_HOST_SUFFIX)]
    return None
