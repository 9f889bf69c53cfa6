"""`harvey sync-status [--org SLUG]`: the monitoring view as a table (organization × entity → health)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from harvey.commands import HarveyCommand
from harvey.exits import Exit
from harvey.organizations.management.lookup import organization_or_error
from harvey.organizations.models import HRMSIntegration
from integrations.hrms.sync.console import connections_table, health_table, make_console
from integrations.hrms.sync.health import all_health


class Command(HarveyCommand):
    help = "Show, per organization and entity, the last sync, its freshness and health."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Only this organization (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        if slug:
            organization_or_error(slug)
        rows = all_health(slug)
        if not rows:
            raise CommandError(
                f"Organization {slug!r} has no active HRMS integration (connect it with `harvey connect`)"
                if slug
                else "No organization has an active HRMS integration yet (connect one with `harvey connect`)",
                returncode=Exit.USAGE,
            )
        console = make_console(self.stdout._out)
        integrations = HRMSIntegration.objects.filter(is_active=True).select_related("organization")
        if slug:
            integrations = integrations.filter(organization__slug=slug)
        console.print(connections_table(integrations.order_by("organization__slug")))
        console.print(health_table(rows))
