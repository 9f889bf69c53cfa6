"""`harvey connect`: create or update an organization and its active HRMS integration.

    harvey connect --org acme --type mock --base-url http://127.0.0.1:8765 --token s3cret \
        [--credential KEY=VALUE ...] [--name "Acme Corp"] [--allow-private-network]

Credentials are encrypted as they are stored; the output names which credential keys were set, never
their values. Connecting a different HRMS type deactivates the previous integration (kept for history).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.db import transaction

from harvey.organizations.forms import parse_credential_pairs
from harvey.organizations.models import HRMSIntegration, Organization


class Command(BaseCommand):
    help = "Create or update an organization and connect it to its HRMS (credentials are stored encrypted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug, e.g. acme.")
        parser.add_argument("--type", required=True, dest="hrms_type", help="Adapter type, e.g. mock, bamboohr.")
        parser.add_argument("--base-url", required=True, help="The HRMS API base URL.")
        parser.add_argument("--token", help="API token (stored encrypted as credentials['token']).")
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

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        try:
            validate_slug(slug)
            credentials = parse_credential_pairs(options["credential"])
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        if options["token"]:
            credentials["token"] = options["token"]

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
        if credentials or current is None:
            integration.credentials = credentials
        integration.full_clean()
        integration.save()
        return integration, "Created" if current is None else "Updated"


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)
