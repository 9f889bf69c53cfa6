"""Organizations and their HRMS connections.

An `HRMSIntegration` is the *installation* of an adapter for one organization (STYLE.md: provider vs.
installation): which adapter type, where the HRMS lives, the encrypted credentials, and how often each
entity syncs. At most one integration per organization is active.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from harvey.crypto import EncryptedJSONField
from harvey.organizations.validators import validate_hrms_base_url, validate_hrms_type, validate_sync_settings

# Defaults from the requirements (seed): employees every 2 h, candidates 1 h, interviews 30 min, leave daily at
# 01:00 in the business time zone (settings.HARVEY_BUSINESS_TZ). Stored settings override per entity.
DEFAULT_SYNC_SETTINGS: dict[str, dict[str, Any]] = {
    "employees": {"enabled": True, "interval_minutes": 120},
    "departments": {"enabled": True, "interval_minutes": 120},
    "job_requisitions": {"enabled": True, "interval_minutes": 60},
    "candidates": {"enabled": True, "interval_minutes": 60},
    "interviews": {"enabled": True, "interval_minutes": 30},
    "leave_requests": {"enabled": True, "daily_at": "01:00"},
    "leave_balances": {"enabled": True, "daily_at": "01:00"},
}

DEFAULT_CACHE_TTL_SECONDS = 1800
MIN_CACHE_TTL_SECONDS = 900
MAX_CACHE_TTL_SECONDS = 3600


def default_sync_settings() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(DEFAULT_SYNC_SETTINGS)


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
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.hrms_type}"

    def __repr__(self) -> str:  # the default would not leak credentials either, but say so explicitly
        return f"<HRMSIntegration id={self.pk} org={self.organization_id} type={self.hrms_type!r}>"

    def clean(self) -> None:
        super().clean()
        if self.base_url:
            try:
                validate_hrms_base_url(self.base_url, allow_private=self.allow_private_network)
            except ValidationError as e:
                raise ValidationError({"base_url": e.messages}) from e

    def sync_schedule(self, entity: str) -> dict[str, Any]:
        """The schedule of one entity: the stored override merged over the default."""
        schedule = dict(DEFAULT_SYNC_SETTINGS.get(entity, {"enabled": False, "interval_minutes": 120}))
        override = (self.sync_settings or {}).get(entity) or {}
        if "interval_minutes" in override or "daily_at" in override:
            schedule.pop("interval_minutes", None)
            schedule.pop("daily_at", None)
        schedule.update(override)
        return schedule
