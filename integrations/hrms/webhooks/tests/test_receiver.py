"""The common receiver pipeline, end to end with BambooHR: Django's test client posts signed deliveries to
`/webhooks/hrms/<org>/`; the apply task (Celery, eager) re-reads the employee from the BambooHR simulator
in-process and writes the replica."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from harvey.replica.models import Employee
from integrations.hrms.webhooks.models import WebhookEvent

from .deliveries import API_KEY, HOST, URL, WEBHOOK_KEY, deliver, event, post, signed

pytestmark = pytest.mark.django_db


def test_a_valid_delivery_is_stored_enqueued_and_applied(client, integration, applied_through_simulator):
    with applied_through_simulator(execute=True):
        response = deliver(client, event("10"))
    assert response.status_code == 202
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.event_type, stored.organization_id) == (
        "applied",
        "employee.updated",
        integration.organization_id,
    )
    assert Employee.objects.get(organization=integration.organization, external_id="10").first_name


def test_the_stored_payload_is_encrypted_at_rest(client, integration, applied_through_simulator):
    with applied_through_simulator(execute=False):
        deliver(client, event("10"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM hrms_webhooks_webhookevent")
        (raw,) = cursor.fetchone()
    assert "employee.updated" not in raw


def test_a_duplicate_delivery_stores_one_event(client, integration, applied_through_simulator):
    body = event("10")
    headers = signed(body)
    with applied_through_simulator(execute=True):
        first = post(client, body, headers)
        second = post(client, body, headers)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1


def test_a_delivery_signed_with_the_wrong_key_is_rejected(client, integration):
    response = deliver(client, event(), key="not-the-key")
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_delivery_with_a_flipped_byte_is_rejected(client, integration):
    body = event()
    tampered = body.replace(b'"10"', b'"11"')
    response = post(client, tampered, signed(body))
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_stale_delivery_is_rejected(client, integration):
    response = deliver(client, event(), at=time.time() - 6 * 60)
    assert response.status_code == 401
    assert response.json()["status"] == "stale_delivery"


def test_the_freshness_window_is_configurable(client, integration, settings):
    settings.HARVEY_WEBHOOK_MAX_AGE_SECONDS = 60
    assert deliver(client, event(), at=time.time() - 120).status_code == 401


def test_a_real_but_unhandled_event_is_acknowledged_and_ignored(client, integration):
    body = orjson.dumps({"type": "company.updated", "timestamp": "2026-03-01T09:30:00+0000", "data": {}})
    response = deliver(client, body)
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert not WebhookEvent.objects.exists()


def test_a_payload_that_is_not_bamboohrs_is_a_400(client, integration):
    assert deliver(client, b'{"hello": "world"}').status_code == 400


def test_an_unknown_organization_is_a_404(client, integration):
    assert deliver(client, event(), url="/webhooks/hrms/nobody/").status_code == 404


def test_an_inactive_integration_is_a_404(client, integration):
    integration.is_active = False
    integration.save()
    assert deliver(client, event()).status_code == 404


def test_an_integration_without_a_webhook_key_is_a_404(client, organization, make_integration):
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials={"api_key": API_KEY})
    assert deliver(client, event()).status_code == 404


def test_only_post_is_allowed(client, integration):
    assert client.get(URL).status_code == 405


def test_a_deletion_older_than_the_replica_row_does_not_delete_it(client, integration, applied_through_simulator):
    old = orjson.dumps({"type": "employee.deleted", "timestamp": "2020-01-01T00:00:00+0000",
                        "data": {"companyId": "100", "employeeId": "10"}})  # fmt: skip
    with applied_through_simulator(execute=True):
        deliver(client, event("10"))
        deliver(client, old, at=time.time() + 1)
    assert Employee.objects.filter(organization=integration.organization, external_id="10").exists()


def test_the_simulators_own_delivery_is_accepted_and_applied(client, organization, make_integration, sim,
                                                             applied_through_simulator):  # fmt: skip
    """BambooHR (the simulator) registers a webhook, an HR change fires it, and its exact signed bytes are
    replayed into Harvey's receiver."""

    async def change_and_capture() -> tuple[str, Any]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sim), base_url=f"{HOST}/api/v1/", auth=(API_KEY, "x"),
            headers={"Accept": "application/json"},
        ) as bamboo:  # fmt: skip
            hook = {
                "name": "harvey",
                "url": "http://127.0.0.1:9/hook",
                "format": "json",
                "events": ["employee.updated"],
            }
            created = (await bamboo.post("webhooks", json=hook)).json()
        control = {"Authorization": f"Bearer {sim.state.settings.control_token}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url=HOST, headers=control) as ctl:
            changed = await ctl.patch("/_control/employees/EMP00012", json={"job_title": "Head of Tea"})
            changed.raise_for_status()
        await sim.state.webhooks.idle()
        return created["privateKey"], sim.state.webhooks.attempts[-1]

    private_key, attempt = async_to_sync(change_and_capture)()
    credentials = {"api_key": API_KEY, "company_domain": "acme", "webhook_key": private_key}
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=credentials)
    headers = {name: value for name, value in attempt.headers.items() if name.startswith("X-BambooHR")}
    with applied_through_simulator(execute=True):
        response = post(client, attempt.body, headers)
    assert response.status_code == 202
    assert Employee.objects.get(organization=organization, external_id="12").job_title == "Head of Tea"


def test_the_admin_lists_events_without_their_payload(admin_client, client, integration, applied_through_simulator):
    with applied_through_simulator(execute=False):
        deliver(client, event("10"))
    stored = WebhookEvent.objects.get()
    page = admin_client.get(f"/admin/hrms_webhooks/webhookevent/{stored.pk}/change/")
    assert page.status_code == 200
    assert b"employee.updated" in page.content
    assert b"changedFields" not in page.content


def test_an_event_the_hrms_refuses_to_explain_is_marked_failed_with_the_reason(
    client, organization, make_integration, applied_through_simulator
):
    credentials = {"api_key": "revoked", "company_domain": "acme", "webhook_key": WEBHOOK_KEY}
    make_integration(organization, hrms_type="bamboohr", base_url=HOST, credentials=credentials)
    with applied_through_simulator(execute=True):
        assert deliver(client, event("10")).status_code == 202
    stored = WebhookEvent.objects.get()
    assert stored.status == "failed"
    assert stored.error.startswith("authentication_failed")
