"""What every replica table shares: tenant, HRMS identity, provenance and soft delete (docs/architecture.md §2)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models
from django.utils import timezone

from harvey.organizations.models import Organization

ID_LENGTH = 64  # canonical ExternalId
REF_LENGTH = 255  # references to other records: canonical leaves them unbounded; longer cannot match an id
TEXT_LENGTH = 255  # canonical NonEmptyStr and short free text


def enum_choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """Django choices from a canonical vocabulary: 'notice_period' -> 'Notice period'."""
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


def optional_char(max_length: int, **kwargs: Any) -> models.CharField:
    """A canonical `str | None`: NULL keeps "the HRMS did not say" apart from an empty string, and lets a
    canonical record be written and read back unchanged (hence not Django's usual blank-string default)."""
    return models.CharField(max_length=max_length, null=True, blank=True, **kwargs)


def optional_text() -> models.TextField:
    """A canonical `str | None` without a length bound (notes, feedback, URLs)."""
    return models.TextField(null=True, blank=True)


class LiveRecordManager(models.Manager):
    """The default manager: records the HRMS has deleted (soft-deleted here) are hidden."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class ReplicaRecord(models.Model):
    """A record copied from an organization's HRMS.

    `external_id` is the HRMS's `id` and `source_updated_at` its `updated_at`; `hrms_type` says which
    adapter wrote the row (named so because Candidate has a canonical field called `source`). Deleted
    records keep their row with `deleted_at` set so history and references survive; `objects` hides them,
    `all_objects` does not. Forward foreign keys still reach a deleted record (Django uses the base manager).
    """

    # No index of its own: the unique (organization, external_id) constraint's index leads with it and serves
    # every organization-wide look-up and the cascade; a second one only cost every written row (~0.3 s per
    # 100k-row first sync). The constraint stays: the tenant key is not derived data.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    external_id = models.CharField(max_length=ID_LENGTH)
    hrms_type = models.CharField("HRMS type", max_length=64, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # A 64-bit digest of the row's data as the sync last wrote it (harvey/replica/postgres_paths.py): a batch
    # drops the records whose digest is unchanged before anything is sent to the database.
    content_digest = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = LiveRecordManager()
    all_objects = models.Manager()  # noqa: DJ012 - declared second so `objects` stays the default

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="%(app_label)s_%(class)s_org_xid")
        ]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
