"""A first sync's plain pages go to the COPY process; everything else is committed here, in order.

`CopyRoute.commit` is what the engine calls for every group of pages (see `engine._commit_pages`). A group
whose records were all prepared for the first-sync COPY, with no tombstone, bad record or open quarantine,
is sent with its fenced checkpoint to `harvey.replica.copy_process.CopyProcess`, which commits both in one
transaction of its own while this thread goes back for the next group. Any other group first waits for
everything sent before it, then is committed by the run's own transaction: the order of pages is the order
of commits either way.

When the process meets a record already stored (a record seen twice, or written meanwhile by a webhook),
the first-sync path ends: that group and every one sent after it are committed here through the upsert.
A lost lease is the run's LeaseLost; any other failure of the process fails the run, which then resumes
from its last committed checkpoint like any interrupted run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from harvey.replica.copy_process import CopyProcess, CopyProcessError, Outcome, enabled
from harvey.replica.postgres_paths import joined
from harvey.replica.upsert import ReplicaWriter

from . import ledger
from .ledger import LeaseLost, RunContext
from .pipeline import Prepared, newest_change

CommitLocally = Callable[[RunContext, ReplicaWriter, list[Prepared], dict, bool], None]


class CopyRoute:
    def __init__(self, ctx: RunContext, writer: ReplicaWriter, commit_locally: CommitLocally) -> None:
        self.ctx = ctx
        self.writer = writer
        self.commit_locally = commit_locally
        self.enabled = enabled(writer.using)
        self.process: CopyProcess | None = None

    def commit(self, group: list[Prepared], counts: dict, has_quarantine: bool) -> None:
        batches = joined([batch for _, batch in group if batch is not None]) if self.enabled else []
        if self._copyable(group, batches, has_quarantine):
            if self.process is None:
                self.process = CopyProcess(self.writer.using)
            (batch,) = batches
            statement = ledger.checkpoint_statement(
                self.ctx, cursor=group[-1][0].cursor, max_updated_at=newest_change(group)
            )
            analyze = not self.writer._analyzed
            self.writer._analyzed = True
            outcomes = self.process.write(
                group,
                checkpoint=statement,
                table=self.writer.table,
                columns=batch.copy_columns,
                payload=batch.payload,
                rows=batch.rows,
                analyze=analyze,
            )
            self._settle(outcomes, counts, has_quarantine)
            return
        self.finish(counts, has_quarantine)  # whatever was sent is committed before this group
        self.commit_locally(self.ctx, self.writer, group, counts, has_quarantine)

    def finish(self, counts: dict, has_quarantine: bool) -> None:
        """Wait for everything sent; the process ends (a later plain group starts another)."""
        if self.process is not None:
            process, self.process = self.process, None
            self._settle(process.finish(), counts, has_quarantine)

    def abort(self) -> None:
        if self.process is not None:
            process, self.process = self.process, None
            process.kill()

    def _copyable(self, group: list[Prepared], batches: list, has_quarantine: bool) -> bool:
        return (
            self.enabled
            and not has_quarantine
            and self.writer.first_sync_path
            and len(batches) == 1
            and all(
                batch is not None and batch.fresh and not page.tombstones and not page.invalid for page, batch in group
            )
        )

    def _settle(self, outcomes: list[Outcome], counts: dict, has_quarantine: bool) -> None:
        again: list[list[Prepared]] = []
        for outcome in outcomes:
            if outcome.status == "ok":
                for page, _ in outcome.item:
                    counts["pages"] += 1
                    counts["fetched"] += page.fetched
                counts["inserted"] += outcome.rows
            elif outcome.status in ("conflict", "skipped"):
                again.append(outcome.item)
            elif outcome.status == "lease_lost":
                self.abort()
                raise LeaseLost(f"the lease of run {self.ctx.run_id} was taken over; page not committed")
            else:
                self.abort()
                raise CopyProcessError(f"the COPY process failed: {outcome.message}")
        if again:
            # A record already stored: the first-sync path ends, and the rest is upserted here, in order.
            self.enabled = False
            self.writer.end_first_sync_path()
            if self.process is not None:
                process, self.process = self.process, None
                again += [outcome.item for outcome in process.finish()]
            for group in again:
                self.commit_locally(self.ctx, self.writer, group, counts, has_quarantine)
        ledger.write_counts(self.ctx, counts, now=time.monotonic())
