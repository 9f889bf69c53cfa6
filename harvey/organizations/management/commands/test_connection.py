"""`harvey test-connection --org SLUG`: is the organization's HRMS reachable with its stored credentials?"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from harvey.commands import HarveyCommand
from harvey.organizations.management.lookup import active_integration_or_error
from integrations.hrms.connection import test_connection


class Command(HarveyCommand):
    help = "Check an organization's HRMS integration with the cheapest authenticated call."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        integration = active_integration_or_error(options["org"])
        check = test_connection(integration)
        if not check.ok:
            raise CommandError(f"{integration.hrms_type} at {integration.base_url}: {check.message}")
        self.stdout.write(f"OK: {integration.hrms_type} at {integration.base_url} answered ({check.message}).")
