"""`harvey sync --org SLUG [--entity E ...] [--full]`: run incremental (or full) syncs now, with progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvey.organizations.models import Organization
from integrations.hrms.sync.console import make_console, progress_bar, runs_table
from integrations.hrms.sync.engine import sync_organization
from integrations.hrms.sync.models import SyncStatus
from integrations.hrms.sync.pull import ENTITY_ORDER


class Command(BaseCommand):
    help = "Sync an organization's HRMS into the replica now: only what changed since the last run, or --full."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--entity", action="append", choices=ENTITY_ORDER, help="Only this entity (repeatable).")
        parser.add_argument("--full", action="store_true", help="Read everything (unchanged rows are still skipped).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug {options['org']!r}") from None
        console = make_console(self.stdout._out)
        entities = tuple(options["entity"]) if options["entity"] else None
        with progress_bar(console) as bar:
            tasks: dict[str, Any] = {}

            def on_progress(entity: str, counts: dict) -> None:
                if entity not in tasks:
                    tasks[entity] = bar.add_task(entity, total=None)
                bar.update(tasks[entity], completed=counts["fetched"])

            runs = sync_organization(organization.pk, entities=entities, full=options["full"], on_progress=on_progress)
        console.print(runs_table(f"Synced {organization.slug}", runs))
        failed = [run for run in runs if run.status == SyncStatus.FAILED]
        if failed:
            raise CommandError("; ".join(f"{run.entity}: {run.error_message}" for run in failed))
