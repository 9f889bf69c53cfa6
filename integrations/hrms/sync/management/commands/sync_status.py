"""`harvey sync-status [--org SLUG]`: the monitoring view as a table (organization × entity → health)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.hrms.sync.console import health_table, make_console
from integrations.hrms.sync.health import all_health


class Command(BaseCommand):
    help = "Show, per organization and entity, the last sync, its freshness and health."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Only this organization (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        make_console(self.stdout._out).print(health_table(all_health(options["org"])))
