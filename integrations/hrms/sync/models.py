"""What the sync engine remembers, in the database (never only in a cache, docs/architecture.md §8).

- `SyncState`: one row per (organization, entity) — the watermark, the checkpoint of an unfinished run,
  the lease with its fencing number, and the last outcome. Every commit of a run is conditional on this
  row's `fence`, so a worker that lost its lease (paused, partitioned) can never commit.
- `SyncRun`: the history an admin reads — trigger, status, counts, timing, error.
- `QuarantinedRecord`: a record the HRMS sent that does not fit the canonical model, with the reason and
  the (encrypted) payload; retried on later runs, resolved when a valid version arrives.
- `DeadLetter`: a run that exhausted its retries; it stays until someone acts.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from harvey.crypto import EncryptedJSONField
from harvey.organizations.models import Organization

ENTITY_LENGTH = 32


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partial (records quarantined)"
    DEGRADED = "degraded", "Degraded (data quality dropped)"
    FAILED = "failed", "Failed"


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual"
    RETRY = "retry", "Retry"
    RESUME = "resume", "Resume"
    WEBHOOK = "webhook", "Webhook"


class SyncState(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_states")
    entity = models.CharField(max_length=ENTITY_LENGTH)
    #: Highest source `updated_at` known to be committed with nothing older missing; the next run asks for
    #: changes since this minus the overlap window.
    watermark = models.DateTimeField(null=True, blank=True)
    #: Checkpoint of an unfinished run: resume with the same `resume_since` from after `cursor`.
    cursor = models.TextField(null=True, blank=True)  # noqa: DJ001 - None = no checkpoint; "" may be a cursor
    resume_since = models.DateTimeField(null=True, blank=True)
    resume_full = models.BooleanField(default=False)
    #: When the current pass (a run and its resumptions) began: the watermark never passes it, so a record
    #: changed during the pass on a page already read is asked for again by the next run.
    pass_started_at = models.DateTimeField(null=True, blank=True)
    resume_run = models.ForeignKey("SyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    #: Highest source `updated_at` committed by the unfinished run so far.
    run_max_updated_at = models.DateTimeField(null=True, blank=True)
    #: Fencing: incremented whenever a run takes the lease; a commit must name the current value.
    fence = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    #: Who holds the lease, for the message a second sync prints ("held by run 12 on host h, pid 345").
    lease_host = models.CharField(max_length=255, blank=True, default="")
    lease_pid = models.PositiveIntegerField(null=True, blank=True)
    #: The run's last sign of life: its heartbeat renews the lease every few seconds, commit or not.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey("SyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    #: When `last_run` started (kept here so that deciding "due?" or "done since?" reads one row).
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_sweep_at = models.DateTimeField(null=True, blank=True)
    #: Share of non-empty values per field in the last run that saw enough records (data-quality gate).
    field_coverage = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "entity"], name="sync_state_org_entity")]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.entity}"

    def lease_held(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.lease_owner) and self.lease_expires_at is not None and self.lease_expires_at > now


class SyncRun(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    entity = models.CharField(max_length=ENTITY_LENGTH)
    trigger = models.CharField(max_length=16, choices=SyncTrigger.choices, default=SyncTrigger.MANUAL)
    full = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    fence = models.BigIntegerField(default=0)
    attempt = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True, help_text="updated_since asked of the HRMS")
    watermark_after = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    notes = models.JSONField(default=list, blank=True, help_text="What an admin should know about this run")
    #: The `harvey sync --all` cycle the run belongs to ("" for runs outside a cycle).
    cycle = models.CharField(max_length=32, blank=True, default="")
    #: Set when this failed run will be retried (by then): it is not the pair's last word yet.
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["organization", "entity", "-started_at"], name="sync_run_org_entity_started"),
            models.Index(fields=["cycle"], name="sync_run_cycle", condition=~models.Q(cycle="")),
        ]

    def __str__(self) -> str:
        return f"{self.entity} run {self.pk} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class QuarantinedRecord(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=ENTITY_LENGTH)
    external_id = models.CharField(max_length=255)
    reason = models.TextField()
    payload = EncryptedJSONField(null=True, blank=True)  # HR data: encrypted at rest like credentials
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=1)
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "entity", "external_id"], name="quarantine_org_entity_xid")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.external_id}: {self.reason[:60]}"


class DeadLetter(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=ENTITY_LENGTH)
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error_code = models.CharField(max_length=64)
    error_message = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.entity} dead letter {self.pk}: {self.error_code}"
