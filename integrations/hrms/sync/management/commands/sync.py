"""`harvey sync`: run syncs now, with progress.

    harvey sync --org SLUG [--entity E ...] [--full] [--wait SECONDS]
    harvey sync --all [--entity E ...] [--full] [--wait SECONDS] [--timeout SECONDS]

`--org` runs here, in this process. When another run holds an entity's lease the command says who (run,
host, pid, start, last heartbeat, pages) and exits 3, unless `--wait` lets it wait for the lease — and then
resume that run's checkpoint if it had died. `--all` enqueues a run of every entity of every active
organization to the workers (one chain per organization, in dependency order), waits for all of them, and
prints the cycle's wall time, runs/s, records/s and the mean and p95 cost of a run. Exit codes: harvey/exits.py.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from harvey.commands import HarveyCommand
from harvey.exits import Exit
from harvey.organizations.management.lookup import organization_or_error
from hrmodel import catalogue
from integrations.hrms.sync import cycle as cycles
from integrations.hrms.sync.console import cycle_table, locked_table, make_console, progress_bar, runs_table
from integrations.hrms.sync.engine import sync_entities
from integrations.hrms.sync.ledger import LeaseHolder
from integrations.hrms.sync.models import SyncStatus

POLL_SECONDS = 0.5
DEFAULT_ALL_WAIT_SECONDS = 600.0
DEFAULT_ALL_TIMEOUT_SECONDS = 6 * 3600.0


class Command(HarveyCommand):
    help = "Sync HRMS data into the replica now: only what changed since the last run, or --full."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--org", help="Organization slug: sync it here, now.")
        which.add_argument(
            "--all", action="store_true", help="Every active organization, due or not, run by the workers."
        )
        parser.add_argument("--entity", action="append", choices=catalogue.NAMES, help="Only this entity (repeatable).")
        parser.add_argument("--full", action="store_true", help="Read everything (unchanged rows are still skipped).")
        parser.add_argument(
            "--wait",
            type=float,
            metavar="SECONDS",
            help="Wait up to SECONDS for a lease another run holds, then run (default: do not wait with --org, "
            f"{DEFAULT_ALL_WAIT_SECONDS:.0f} s per entity with --all).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_ALL_TIMEOUT_SECONDS,
            metavar="SECONDS",
            help="With --all: give up waiting for the cycle after SECONDS (default: 6 h).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wait = options["wait"]
        if wait is not None and wait < 0:
            raise CommandError("--wait must be 0 or more seconds", returncode=Exit.USAGE)
        entities = tuple(options["entity"]) if options["entity"] else None
        console = make_console(self.stdout._out)
        if options["all"]:
            self._all(console, entities, options["full"], DEFAULT_ALL_WAIT_SECONDS if wait is None else wait, options)
        else:
            self._one(console, options["org"], entities, options["full"], wait or 0.0)

    def _one(self, console, slug: str, entities, full: bool, wait: float) -> None:
        organization = organization_or_error(slug)
        wanted = [entity for entity in catalogue.NAMES if not entities or entity in entities]

        def on_wait(holder: LeaseHolder) -> None:
            console.print(f"{holder.entity}: waiting up to {wait:.0f} s for the lease held by {holder.describe()}")

        with progress_bar(console) as bar:
            tasks: dict[str, Any] = {}

            def on_progress(entity: str, counts: dict) -> None:
                if entity not in tasks:
                    tasks[entity] = bar.add_task(entity, total=None)
                bar.update(tasks[entity], completed=counts["fetched"])

            outcomes = sync_entities(
                organization.pk, wanted, full=full, wait=wait, on_progress=on_progress, on_wait=on_wait
            )
        runs = [outcome.run for outcome in outcomes if outcome.run is not None]
        locked = [outcome.locked for outcome in outcomes if outcome.locked is not None]
        if runs:
            console.print(runs_table(f"Synced {organization.slug}", runs))
        if locked:
            console.print(locked_table(locked))
        failed = [run for run in runs if run.status == SyncStatus.FAILED]
        if failed:
            raise CommandError(
                "; ".join(f"{run.entity}: {run.error_message}" for run in failed), returncode=Exit.FAILED
            )
        if locked:
            raise CommandError(
                f"{len(locked)} entit{'y' if len(locked) == 1 else 'ies'} not synced: another run holds the lease "
                "(see above). Run again later, or with --wait SECONDS to wait for it.",
                returncode=Exit.LOCKED,
            )

    def _all(self, console, entities, full: bool, wait: float, options: dict) -> None:
        cycle = cycles.start_cycle(entities=entities, full=full, wait=wait)
        if not cycle.pairs:
            raise CommandError("No active organization has an enabled entity to sync.", returncode=Exit.USAGE)
        console.print(
            f"Cycle {cycle.id}: {cycle.pairs:,} runs of {cycle.organizations:,} organizations enqueued to the workers."
        )
        deadline = time.monotonic() + options["timeout"]
        with progress_bar(console, unit="runs") as bar:
            task = bar.add_task("sync --all", total=cycle.pairs)
            while True:
                done, _ = cycles.pairs_done(cycle)
                bar.update(task, completed=done)
                if done >= cycle.pairs:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"The cycle did not finish within {options['timeout']:.0f} s ({done:,} of {cycle.pairs:,} "
                        "runs done): are the workers running (`harvey worker`)?",
                        returncode=Exit.FAILED,
                    )
                time.sleep(POLL_SECONDS)
        result = cycles.report(cycle)
        console.print(cycle_table(result))
        if result.failed:
            raise CommandError(
                f"{len(result.failed):,} run(s) of the cycle failed (see above).", returncode=Exit.FAILED
            )
