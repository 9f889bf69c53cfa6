"""`harvey demo`: the end-to-end demo on whatever database and cache the environment configures.

1. migrate the database (SQLite under var/ by default; PostgreSQL with DATABASE_URL);
2. start the mock HRMS on a free loopback port (a generated organization, real HTTP);
3. connect a demo organization to it (credentials stored encrypted);
4. pull everything into the replica and check the counts against the HRMS's own;
5. answer a few of Harvey's questions from the replica alone.

It exits non-zero when the replica does not match the HRMS.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Any

import httpx
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvey.organizations.models import HRMSIntegration, Organization
from integrations.hrms.sync.console import make_console, pull_table
from integrations.hrms.sync.demo_answers import print_answers
from integrations.hrms.sync.management.commands.pull import run_pull
from mock_hrms.api import DEFAULT_TOKEN, MockSettings, create_app
from mock_hrms.server import BackgroundServer

LIST_PATHS = {
    "departments": "/departments",
    "employees": "/employees",
    "job_requisitions": "/job-requisitions?status=all",
    "candidates": "/candidates",
    "interviews": "/interviews",
    "leave_requests": "/leave-requests",
    "leave_balances": "/leave-balances",
}


class Command(BaseCommand):
    help = "Run the end-to-end demo: mock HRMS -> demo organization -> full pull -> answers from the replica."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default="demo", help="Slug of the demo organization (default: demo).")
        parser.add_argument("--employees", type=int, default=150, help="Size of the generated organization.")
        parser.add_argument("--seed", type=int, default=42, help="Seed of the generated organization.")

    def handle(self, *args: Any, **options: Any) -> None:
        console = make_console(self.stdout._out)
        if options["verbosity"] < 2:  # the demo prints its own story; per-entity log lines would drown it
            logging.getLogger("hrms").setLevel(logging.WARNING)
        started = time.perf_counter()
        console.rule("[bold]Project Harvey — HRMS integration demo")
        call_command("migrate", verbosity=0, interactive=False)
        console.print("Database ready.")

        settings = MockSettings(seed=options["seed"], employees=options["employees"], token=DEFAULT_TOKEN)
        t0 = time.perf_counter()
        app = create_app(settings)
        with BackgroundServer(app) as server:
            console.print(
                f"Mock HRMS: {options['employees']:,} employees generated (seed {options['seed']}) and serving at "
                f"{server.base_url}/api/v1 in {time.perf_counter() - t0:.1f} s."
            )
            organization = self._connect(options["org"], server.base_url, settings.token)
            console.print(f"Organization [bold]{organization.slug}[/] connected (type mock, token stored encrypted).")

            report = run_pull(organization, None, console)
            expected = asyncio.run(_hrms_counts(server.base_url, settings.token))
            console.print(pull_table(report, expected))
            mismatched = [
                e.entity for e in report.entities if not e.skipped and expected.get(e.entity) != e.replica_count
            ]
            print_answers(console, organization)
        console.print(f"Demo finished in {time.perf_counter() - started:.1f} s.")
        if mismatched:
            raise CommandError(f"The replica does not match the HRMS for: {', '.join(mismatched)}")

    def _connect(self, slug: str, base_url: str, token: str) -> Organization:
        call_command(
            "connect",
            org=slug,
            hrms_type="mock",
            base_url=base_url,
            token=token,
            name="Demo Organization",
            allow_private_network=True,
            stdout=io.StringIO(),
        )
        organization = Organization.objects.get(slug=slug)
        assert HRMSIntegration.objects.filter(organization=organization, is_active=True).exists()
        return organization


async def _hrms_counts(base_url: str, token: str) -> dict[str, int]:
    """What the HRMS itself says it holds (each list endpoint's `total`)."""
    async with httpx.AsyncClient(base_url=base_url + "/api/v1", headers={"Authorization": f"Bearer {token}"}) as http:
        counts = {}
        for entity, path in LIST_PATHS.items():
            separator = "&" if "?" in path else "?"
            response = await http.get(f"{path}{separator}page=1&page_size=1")
            response.raise_for_status()
            counts[entity] = response.json()["total"]
        return counts
