"""`harvey pull --org SLUG [--entity E ...]`: copy an organization's HRMS into the replica, now, in full."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import CommandError, CommandParser
from rich.console import Console

from harvey.commands import HarveyCommand
from harvey.organizations.management.lookup import organization_or_error
from harvey.organizations.models import Organization
from hrmodel import catalogue
from integrations.hrms.errors import HRMSError
from integrations.hrms.sync.console import make_console, progress_bar, pull_table
from integrations.hrms.sync.pull import pull_organization


class Command(HarveyCommand):
    help = "Copy every entity of one organization from its HRMS into Harvey's replica (bulk upserts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument(
            "--entity", action="append", choices=catalogue.NAMES, help="Only this entity (repeatable; default all)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_or_error(options["org"])
        console = make_console(self.stdout._out)
        entities = tuple(options["entity"]) if options["entity"] else None
        try:
            report = run_pull(organization, entities, console)
        except HRMSError as e:
            raise CommandError(f"Pull failed: {e.message}") from e
        console.print(pull_table(report))


def run_pull(organization: Organization, entities: tuple[str, ...] | None, console: Console):
    """The pull with a live progress bar per entity."""
    with progress_bar(console) as progress:
        tasks: dict[str, Any] = {}

        def on_progress(entity_report) -> None:
            task = tasks.get(entity_report.entity)
            if task is None:
                task = tasks[entity_report.entity] = progress.add_task(entity_report.entity, total=None)
            progress.update(task, completed=entity_report.fetched)

        # async_to_sync, not asyncio.run: the pull's ORM calls then run on this thread and its connection.
        return async_to_sync(pull_organization)(organization, entities=entities, on_progress=on_progress)
