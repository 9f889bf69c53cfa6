"""The admin's monitoring view and the quarantine screen an HR admin acts on."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
