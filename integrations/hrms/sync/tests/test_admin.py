"""The admin's monitoring view and the quarantine screen an HR admin acts on."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from integrations.hrms.sync.models import QuarantinedRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_the_health_view_lists_every_entity_of_every_connected_organization(staff_client, harness):
    from integrations.hrms.sync.engine import sync_entity

    sync_entity(harness.organization.pk, "employees", adapter_factory=harness.factory())
    page = staff_client.get(reverse("admin:hrms_sync_health")).content.decode()
    assert "healthy" in page
    assert "never synced" in page
    assert page.count("<tr>") >= 8  # header + seven entities


def test_a_quarantined_payload_is_never_shown_only_its_field_names(staff_client, organization):
    record = QuarantinedRecord.objects.create(
        organization=organization,
        entity="employees",
        external_id="EMP9",
        reason="email: bad",
        payload={"email": "secret.person@example.com", "phone": "+91-9999999999"},
    )
    page = staff_client.get(reverse("admin:hrms_sync_quarantinedrecord_change", args=[record.pk])).content.decode()
    assert "secret.person@example.com" not in page
    assert "+91-9999999999" not in page
    assert "email, phone" in page


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def view_name(href: str) -> str | None:
    try:
        return resolve(urlsplit(href).path).view_name
    except Resolver404:
        return None


def test_the_admin_index_links_the_sync_monitor(staff_client):
    index = staff_client.get(reverse("admin:index"))
    assert index.status_code == 200
    links = Links()
    links.feed(index.content.decode())
    monitor = [href for href in links.hrefs if view_name(href) == "admin:hrms_sync_health"]
    assert monitor, f"no link to the sync monitor among {links.hrefs}"
    page = staff_client.get(monitor[0])
    assert page.status_code == 200
    assert "HRMS sync health" in page.content.decode()
