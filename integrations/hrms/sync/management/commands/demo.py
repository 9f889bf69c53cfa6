"""`harvey demo`: the end-to-end demo on whatever database and cache the environment configures.

1. migrate the database (SQLite under var/ by default; PostgreSQL with DATABASE_URL);
2. start the mock HRMS on a free loopback port (a generated organization, real HTTP);
3. connect a demo organization to it (credentials stored encrypted);
4. pull everything into the replica and check the counts against the HRMS's own;
5. answer a few of Harvey's questions from the replica alone;
6. let "HR" change a few records in the HRMS, run an incremental sync, and show that only those moved.

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
from django.core.management.base import CommandError, CommandParser

from harvey.commands import HarveyCommand
from harvey.organizations.models import Organization
from integrations.hrms.sync.console import LEAVE_BALANCES_NOTE, health_table, make_console, pull_table, runs_table
from integrations.hrms.sync.demo_answers import print_answers
from integrations.hrms.sync.engine import sync_organization
from integrations.hrms.sync.health import all_health
from integrations.hrms.sync.management.commands.pull import run_pull
from integrations.hrms.sync.pull import replica_counts
from mock_hrms.api import DEFAULT_CONTROL_TOKEN, DEFAULT_TOKEN, MockSettings, create_app
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
HR_CHANGES = 12
DEMO_NAME = "Demo Organization (mock HRMS)"


class Command(HarveyCommand):
    help = "Run the end-to-end demo: mock HRMS -> demo organization -> full pull -> answers -> incremental sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default="demo", help="Slug of the demo organization (default: demo).")
        parser.add_argument("--employees", type=int, default=150, help="Size of the generated organization.")
        parser.add_argument("--seed", type=int, default=42, help="Seed of the generated organization.")

    def handle(self, *args: Any, **options: Any) -> None:
        console = make_console(self.stdout._out)
        if options["verbosity"] < 2:  # the demo prints its own story; per-run log lines would drown it
            logging.getLogger("hrms").setLevel(logging.WARNING)
        started = time.perf_counter()
        console.rule("[bold]Project Harvey — HRMS integration demo")
        call_command("migrate", verbosity=0, interactive=False)
        console.print("Database ready.")

        settings = MockSettings(seed=options["seed"], employees=options["employees"], token=DEFAULT_TOKEN)
        t0 = time.perf_counter()
        with BackgroundServer(create_app(settings)) as server:
            console.print(
                f"Mock HRMS: {options['employees']:,} employees generated (seed {options['seed']}) and serving at "
                f"{server.base_url}/api/v1 in {time.perf_counter() - t0:.1f} s."
            )
            organization = self._connect(options["org"], server.base_url, settings.token)
            console.print(f"Organization [bold]{organization.slug}[/] connected (type mock, token stored encrypted).")

            report = run_pull(organization, None, console)
            expected = asyncio.run(_hrms_counts(server.base_url, settings.token))
            console.print(pull_table(report, expected))
            console.print(LEAVE_BALANCES_NOTE, style="dim")
            mismatched = _mismatches(organization, expected)
            print_answers(console, organization)

            console.rule("Scheduled incremental sync (Pattern B)")
            baseline = sync_organization(organization.pk, trigger="schedule")
            console.print(
                f"First scheduled sync set the watermarks: {sum(r.fetched for r in baseline):,} records read, "
                f"{sum(r.inserted + r.updated for r in baseline):,} written (the pull already had them)."
            )
            changes = asyncio.run(_hr_changes(server.base_url, options["seed"]))
            console.print(f"HR changed {len(changes)} records in the HRMS: " + _describe(changes))
            runs = sync_organization(organization.pk, trigger="schedule")
            console.print(runs_table("Incremental sync: only what changed moved", runs))
            console.print(
                "Why other entities moved too: at the HRMS a hire, transfer or termination also changes the "
                "departments' head counts and the employees' leave balances, and a deleted leave request gives "
                "days back to a balance — each such record gets a new updated_at, so the sync fetches it. "
                "'unchanged' rows came back through the 5-minute overlap window and were skipped by their digest. "
                + LEAVE_BALANCES_NOTE,
                style="dim",
            )
            expected = asyncio.run(_hrms_counts(server.base_url, settings.token))
            mismatched += _mismatches(organization, expected)
            console.print(health_table(all_health(organization.slug)))
        console.print(f"Demo finished in {time.perf_counter() - started:.1f} s.")
        console.print(
            "The demo's mock HRMS stopped with it. To go on by hand, keep one running and connect to it:\n"
            "  ./dev mock-hrms --port 8001 &\n"
            f"  MOCK_TOKEN={DEFAULT_TOKEN} ./dev harvey connect --org {options['org']} --type mock "
            "--base-url http://127.0.0.1:8001 --token-env MOCK_TOKEN --allow-private-network\n"
            f"  ./dev harvey sync --org {options['org']} && ./dev harvey sync-status --org {options['org']}",
            style="dim",
        )
        if mismatched:
            raise CommandError(f"The replica does not match the HRMS for: {', '.join(sorted(set(mismatched)))}")

    def _connect(self, slug: str, base_url: str, token: str) -> Organization:
        """A fresh demo organization: the mock HRMS is a new system on every run, so yesterday's replica of
        it (records its simulation hired or deleted) must not linger. Only a previous demo is reset."""
        existing = Organization.objects.filter(slug=slug).first()
        if existing is not None:
            types = set(existing.hrms_integrations.values_list("hrms_type", flat=True))
            if types - {"mock"} or existing.name != DEMO_NAME:
                raise CommandError(f"Organization {slug!r} exists and is not a demo organization; pass --org")
            existing.delete()
        call_command(
            "connect",
            org=slug,
            hrms_type="mock",
            base_url=base_url,
            token=token,
            name=DEMO_NAME,
            allow_private_network=True,
            stdout=io.StringIO(),
        )
        return Organization.objects.get(slug=slug)


def _mismatches(organization: Organization, expected: dict[str, int]) -> list[str]:
    counts = replica_counts(organization.pk)
    return [
        f"{entity} (replica {counts.get(entity)}, HRMS {total})"
        for entity, total in expected.items()
        if counts.get(entity) != total
    ]


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


async def _hr_changes(base_url: str, seed: int) -> list[dict]:
    """HR at work: hires, transfers, terminations, leave decisions — through the mock's control surface."""
    headers = {"Authorization": f"Bearer {DEFAULT_CONTROL_TOKEN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        response = await http.post("/_control/simulate", json={"count": HR_CHANGES, "seed": seed + int(time.time())})
        response.raise_for_status()
        body = response.json()
        return body.get("changes", body) if isinstance(body, dict) else body


def _describe(changes: list[dict]) -> str:
    return ", ".join(f"{c.get('action')} {c.get('id')}" for c in changes[:HR_CHANGES])
