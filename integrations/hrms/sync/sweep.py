"""Deletion detection where the HRMS reports no deletions: a roster sweep, made safe.

The sweep lists every id the HRMS has (a full pass, or the ids a full run saw anyway) and soft-deletes the
replica's records that are missing — but only after the listing *completed*, and never when an implausible
share would vanish at once. An expired token with a narrowed scope, a vendor outage returning empty pages,
a permission change hiding a department: each looks like "everyone was deleted". Then the sweep aborts,
deletes nothing, and the run fails with a reason an admin can act on (`sweep_aborted`).
"""

from __future__ import annotations

import datetime as dt
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from harvey.replica.registry import replica_model
from harvey.replica.upsert import ReplicaWriter

from ..base import Capabilities, HRMSAdapter, RecordPage
from ..errors import HRMSError
from . import ledger
from .ledger import RunContext

log = logging.getLogger("hrms.sync")

MIN_MISSING_TO_ABORT = 5  # a handful of leavers in a tiny table is not an anomaly


class SweepAborted(HRMSError):
    code = "sweep_aborted"


def max_delete_share() -> float:
    return float(getattr(settings, "HARVEY_SYNC_SWEEP_MAX_DELETE_SHARE", 0.2))


def sweep_interval() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "HARVEY_SYNC_SWEEP_HOURS", 24)))


def sweep_due(ctx: RunContext, capabilities: Capabilities) -> bool:
    """A sweep is needed for entities without deletion reports: on a full run, else once per interval."""
    if ctx.entity in capabilities.deletions or ctx.entity == "leave_balances":
        return False
    if ctx.full:
        return True
    return ctx.last_sweep_at is None or timezone.now() - ctx.last_sweep_at >= sweep_interval()


class RosterSweep:
    """Collects the ids the HRMS has during a run (or in its own pass) and applies the verdict at the end."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.ids: set[str] = set()
        # A resumed or incremental pass did not see every record: the sweep then lists the roster itself.
        self.needs_own_pass = ctx.resumed or ctx.since is not None
        self.completed = False

    def saw(self, page: RecordPage) -> None:
        self.ids.update(record.id for record in page.records)
        self.ids.update(error.external_id for error in page.invalid if error.external_id)  # exists, just invalid

    async def finish(self, adapter: HRMSAdapter, writer: ReplicaWriter, counts: dict) -> None:
        if self.needs_own_pass:
            async for page in adapter.iter_entity(self.ctx.entity):
                self.saw(page)
        deleted = await sync_to_async(self._apply)(writer)
        counts["deleted"] += deleted
        self.completed = True

    def _apply(self, writer: ReplicaWriter) -> int:
        model = replica_model(self.ctx.entity)
        live = set(model.objects.filter(organization_id=self.ctx.organization_id).values_list("external_id", flat=True))
        missing = live - self.ids
        share = len(missing) / len(live) if live else 0.0
        if len(missing) > MIN_MISSING_TO_ABORT and share > max_delete_share():
            log.error(
                "hrms.sync.sweep_aborted",
                extra={"organization": self.ctx.organization_id, "entity": self.ctx.entity, "share": round(share, 3)},
            )
            raise SweepAborted(
                f"The HRMS no longer lists {len(missing)} of {len(live)} {self.ctx.entity} ({share:.0%}, above the "
                f"{max_delete_share():.0%} limit). Nothing was deleted: check the integration's credentials and scope."
            )
        if not missing:
            return 0
        with transaction.atomic():
            ledger.checkpoint(self.ctx, cursor=None, max_updated_at=None)
            return len(writer.soft_delete_missing(self.ids))
