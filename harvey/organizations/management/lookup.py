"""The organization a command names, or a clear error naming the slug (exit code 2, no traceback).

Every `harvey` command that takes `--org` answers an unknown slug the same way, so an operator's typo
never looks like "nothing to do" or like a missing integration.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from harvey.exits import Exit
from harvey.organizations.models import HRMSIntegration, Organization


def organization_or_error(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(
            f"No organization with slug {slug!r} (see `harvey sync-status`; create it with `harvey connect`)",
            returncode=Exit.USAGE,
        )
    return organization


def active_integration_or_error(slug: str) -> HRMSIntegration:
    """The organization's active integration; an unknown slug and a missing integration are told apart."""
    organization = organization_or_error(slug)
    integration = organization.hrms_integrations.filter(is_active=True).select_related("organization").first()
    if integration is None:
        raise CommandError(
            f"Organization {slug!r} has no active HRMS integration (connect one with `harvey connect`)",
            returncode=Exit.USAGE,
        )
    return integration
