"""Organizations and their HRMS connections.

An `HRMSIntegration` is the *installation* of an adapter for one organization (docs/style.md §2.2: provider vs.
installation): which adapter type, where the HRMS lives, the encrypted credentials, and how often each
entity syncs. At most one integration per organization is active.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.views.decorators.debug import sensitive_variables

from harvey.crypto import EncryptedJSONField
from harvey.organizations.validators import (
    MAX_RATE_BURST,
    MAX_RATE_LIMIT,
    MIN_RATE_BURST,
    MIN_RATE_LIMIT,
    private_network_allowed,
    validate_hrms_base_url,
    validate_hrms_type,
    validate_rate_burst,
    validate_rate_limit,
    validate_sync_settings,
)
from hrmodel import catalogue

# Each entity's default schedule comes from the catalogue (the requirements: employees every 2 h, candidates
# 1 h, interviews 30 min, leave daily at 01:00 in the business time zone). Stored settings override per entity.
DEFAULT_SYNC_SETTINGS: dict[str, dict[str, Any]] = {
    entity.name: entity.schedule.as_settings() for entity in catalogue.ENTITIES
}

DEFAULT_CACHE_TTL_SECONDS = 1800
MIN_CACHE_TTL_SECONDS = 900
MAX_CACHE_TTL_SECONDS = 3600


def default_sync_settings() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(DEFAULT_SYNC_SETTINGS)


def _unset_or_within(field: str, low: float, high: float) -> models.Q:
    return models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": low, f"{field}__lte": high})


class RateBudget(NamedTuple):
    """How fast Harvey may call one integration's HRMS, all workers together: `burst` requests at once,
    then `rate_per_second`."""

    rate_per_second: float
    burst: int

    def __str__(self) -> str:
        return f"{self.rate_per_second:g} requests/s, burst {self.burst}"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HRMSIntegration(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="hrms_integrations")
    hrms_type = models.CharField(
        "HRMS type", max_length=64, validators=[validate_hrms_type], help_text="The adapter, e.g. 'bamboohr'."
    )
    base_url = models.CharField("base URL", max_length=2048, help_text="Where the HRMS API lives.")
    credentials = EncryptedJSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    sync_settings = models.JSONField(default=default_sync_settings, blank=True, validators=[validate_sync_settings])
    cache_ttl_seconds = models.PositiveIntegerField(
        "cache TTL (seconds)",
        default=DEFAULT_CACHE_TTL_SECONDS,
        validators=[MinValueValidator(MIN_CACHE_TTL_SECONDS), MaxValueValidator(MAX_CACHE_TTL_SECONDS)],
    )
    allow_private_network = models.BooleanField(
        default=False, help_text="Allow loopback/private addresses (development and the mock HRMS only)."
    )
    rate_limit = models.FloatField(
        "rate limit (requests/second)",
        null=True,
        blank=True,
        validators=[validate_rate_limit],
        help_text="Requests per second Harvey may send this HRMS, all workers together. Blank: the adapter's default.",
    )
    rate_burst = models.PositiveIntegerField(
        "rate burst (requests)",
        null=True,
        blank=True,
        validators=[validate_rate_burst],
        help_text="Requests that may go at once before the rate applies. Blank: the adapter's default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "HRMS integration"
        ordering = ["organization__name", "-is_active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_active=True),
                name="one_active_hrms_integration_per_org",
                violation_error_message="This organization already has an active HRMS integration.",
            ),
            models.CheckConstraint(
                condition=models.Q(cache_ttl_seconds__gte=MIN_CACHE_TTL_SECONDS)
                & models.Q(cache_ttl_seconds__lte=MAX_CACHE_TTL_SECONDS),
                name="hrms_integration_cache_ttl_range",
            ),
            models.CheckConstraint(
                condition=_unset_or_within("rate_limit", MIN_RATE_LIMIT, MAX_RATE_LIMIT),
                name="hrms_integration_rate_limit_range",
            ),
            models.CheckConstraint(
                condition=_unset_or_within("rate_burst", MIN_RATE_BURST, MAX_RATE_BURST),
                name="hrms_integration_rate_burst_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.hrms_type}"

    def __repr__(self) -> str:  # the default would not leak credentials either, but say so explicitly
        return f"<HRMSIntegration id={self.pk} org={self.organization_id} type={self.hrms_type!r}>"

    @sensitive_variables()  # the decrypted credentials pass through here and into the adapter
    def clean(self) -> None:
        """The base URL (SSRF) and the credentials (the adapter's schema and bounds), on every path that
        validates: `harvey connect`, the admin form, the API."""
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.base_url:
            try:
                validate_hrms_base_url(self.base_url, allow_private=self.allow_private_network)
            except ValidationError as e:
                errors["base_url"] = e.messages
        problem = self._credentials_problem()
        if problem:
            errors[NON_FIELD_ERRORS] = [problem]
        if errors:
            raise ValidationError(errors)

    @sensitive_variables()
    def _credentials_problem(self) -> str | None:
        """What the adapter refuses in these credentials, or None. No credentials at all is allowed: that is
        an integration whose secrets were revoked (or are not given yet), and its runs fail saying so."""
        if not self.credentials or not self.hrms_type:
            return None
        from integrations.hrms.connection import validate_configuration
        from integrations.hrms.errors import HRMSError, UnknownAdapterType

        try:
            validate_configuration(self.hrms_type, self.base_url, self.credentials)
        except UnknownAdapterType:
            return None  # the hrms_type field's own validator says so, listing the known types
        except HRMSError as e:
            return e.message
        return None

    def private_network_allowed(self) -> bool:
        """May Harvey call a loopback or private address for this integration (see validators)?"""
        return private_network_allowed(self.allow_private_network)

    def rate_budget(self) -> RateBudget:
        """The rate budget every run of this integration uses: `rate_limit` and `rate_burst` where set, else
        the adapter's documented default (`AdapterProvider.transport_policy`). Raises ConfigurationError
        (UnknownAdapterType) when the HRMS type is not installed."""
        from integrations.hrms.registry import provider

        default = provider(self.hrms_type).transport_policy
        return RateBudget(
            default.rate_per_second if self.rate_limit is None else self.rate_limit,
            default.burst if self.rate_burst is None else self.rate_burst,
        )

    def sync_schedule(self, entity: str) -> dict[str, Any]:
        """The schedule of one entity: the stored override merged over the default."""
        schedule = dict(DEFAULT_SYNC_SETTINGS.get(entity, {"enabled": False, "interval_minutes": 120}))
        override = (self.sync_settings or {}).get(entity) or {}
        if "interval_minutes" in override or "daily_at" in override:
            schedule.pop("interval_minutes", None)
            schedule.pop("daily_at", None)
        schedule.update(override)
        return schedule
