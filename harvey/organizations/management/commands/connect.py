"""`harvey connect`: create or update an organization and its active HRMS integration.

    harvey connect --org acme --type mock --base-url http://127.0.0.1:8765 \
        [--token T | --token-env VAR | --token-stdin] [--credential KEY=VALUE ...] [--name "Acme Corp"] \
        [--allow-private-network] [--rate-limit N] [--burst B]

Credentials are validated against the adapter's schema (by the model, as on every path) and encrypted as
they are stored; the output names which credential keys were set, never their values. A token is best
given by `--token-env` or `--token-stdin`: a `--token` value stays in the shell history and is visible to
every user of the machine in the process list. Connecting a different HRMS type deactivates the previous
integration (kept for history). `--rate-limit` and `--burst` set the integration's rate budget; left out,
the stored values (or the adapter's defaults) stay.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_slug
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from harvey.commands import HarveyCommand
from harvey.organizations.forms import parse_credential_pairs
from harvey.organizations.models import HRMSIntegration, Organization

TOKEN_SOURCES = ("token", "token_env", "token_stdin")


class Command(HarveyCommand):
    help = "Create or update an organization and connect it to its HRMS (credentials are stored encrypted)."
    stealth_options = ("stdin",)  # tests (and embedding code) pass the stream --token-stdin reads

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug, e.g. acme.")
        parser.add_argument("--type", required=True, dest="hrms_type", help="Adapter type, e.g. mock, bamboohr.")
        parser.add_argument("--base-url", required=True, help="The HRMS API base URL.")
        token = parser.add_mutually_exclusive_group()
        token.add_argument(
            "--token", help="API token (stored encrypted as credentials['token']); prefer --token-env/--token-stdin."
        )
        token.add_argument("--token-env", metavar="VAR", help="Read the API token from environment variable VAR.")
        token.add_argument(
            "--token-stdin", action="store_true", help="Read the API token from standard input (one line)."
        )
        parser.add_argument(
            "--credential",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="Another credential (repeatable), e.g. --credential client_secret=...",
        )
        parser.add_argument("--name", help="Organization display name (default: from the slug when created).")
        parser.add_argument(
            "--allow-private-network",
            action="store_true",
            help="Allow a loopback/private base URL (development and the mock HRMS only).",
        )
        parser.add_argument(
            "--rate-limit",
            type=float,
            metavar="N",
            help="Requests per second Harvey may send this HRMS, all workers together (default: the adapter's).",
        )
        parser.add_argument(
            "--burst",
            type=int,
            metavar="B",
            help="Requests that may go at once before the rate applies (default: the adapter's).",
        )

    @sensitive_variables()  # the token and credentials, as typed, read or decrypted
    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        try:
            validate_slug(slug)
            credentials = parse_credential_pairs(options["credential"])
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        token = self._token(options)
        if token:
            credentials["token"] = token

        try:
            with transaction.atomic():
                organization, org_created = self._organization(slug, options["name"])
                integration, action = self._integration(organization, options, credentials)
        except ValidationError as e:
            raise CommandError(_describe(e)) from e

        org_verb = "Created" if org_created else "Updated"
        self.stdout.write(f"{org_verb} organization {organization.slug!r} ({organization.name}).")
        keys = ", ".join(sorted(integration.credentials)) or "none"
        self.stdout.write(
            f"{action} {integration.hrms_type} integration #{integration.pk} -> {integration.base_url} "
            f"(credentials: {keys}; stored encrypted)."
        )
        budget = integration.rate_budget()
        rate_source = "adapter default" if integration.rate_limit is None else "set"
        burst_source = "adapter default" if integration.rate_burst is None else "set"
        self.stdout.write(
            f"Rate budget: {budget.rate_per_second:g} requests/s ({rate_source}), burst {budget.burst} "
            f"({burst_source})."
        )

    @sensitive_variables()
    def _token(self, options: dict[str, Any]) -> str | None:
        """The token from the one source given (`--token`, `--token-env VAR`, `--token-stdin`), or None."""
        given = [f"--{name.replace('_', '-')}" for name in TOKEN_SOURCES if options.get(name)]
        if len(given) > 1:
            raise CommandError(f"Give the token one way only; got {' and '.join(given)}.")
        if options.get("token_env"):
            name = options["token_env"]
            if name not in os.environ:
                raise CommandError(f"--token-env: the environment variable {name} is not set.")
            token = os.environ[name].strip()
            if not token:
                raise CommandError(f"--token-env: the environment variable {name} is empty.")
            return token
        if options.get("token_stdin"):
            stream = options.get("stdin") or sys.stdin
            token = getpass.getpass("HRMS token: ") if stream.isatty() else stream.readline().strip()
            if not token:
                raise CommandError("--token-stdin: standard input held no token.")
            return token
        return options.get("token") or None

    def _organization(self, slug: str, name: str | None) -> tuple[Organization, bool]:
        organization = Organization.objects.filter(slug=slug).first()
        created = organization is None
        if organization is None:
            organization = Organization(slug=slug, name=name or slug.replace("-", " ").title())
        elif name:
            organization.name = name
        organization.full_clean()
        organization.save()
        return organization, created

    def _integration(
        self, organization: Organization, options: dict[str, Any], credentials: dict[str, str]
    ) -> tuple[HRMSIntegration, str]:
        current = HRMSIntegration.objects.select_for_update().filter(organization=organization, is_active=True).first()
        if current is not None and current.hrms_type != options["hrms_type"]:
            current.is_active = False
            current.save(update_fields=["is_active", "updated_at"])
            current = None
        integration = current or HRMSIntegration(organization=organization, hrms_type=options["hrms_type"])
        integration.base_url = options["base_url"]
        integration.allow_private_network = options["allow_private_network"] or (
            current is not None and current.allow_private_network
        )
        if options.get("rate_limit") is not None:
            integration.rate_limit = options["rate_limit"]
        if options.get("burst") is not None:
            integration.rate_burst = options["burst"]
        if credentials or current is None:
            integration.credentials = credentials
        integration.full_clean()
        integration.save()
        return integration, "Created" if current is None else "Updated"


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
