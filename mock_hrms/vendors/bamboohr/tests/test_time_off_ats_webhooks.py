"""Time-off writes follow the world's rules; ATS status changes; webhooks: key once, signed delivery."""

from __future__ import annotations

import asyncio

import orjson
from fastapi import FastAPI, Request

from mock_hrms.api.testing import LiveMockHRMS
from mock_hrms.vendors.bamboohr import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


async def test_time_off_requests_need_start_and_end(client):
    assert (await client.get("time_off/requests", params={"start": "2026-01-01"})).status_code == 400


async def test_time_off_request_is_created_then_overlap_refused(client):
    body = {"status": "requested", "start": "2027-03-01", "end": "2027-03-02", "timeOffTypeId": "79"}
    created = await client.put("employees/5/time_off/request", json=body)
    assert created.status_code == 201
    assert created.json()["status"]["status"] == "requested"
    again = await client.put("employees/5/time_off/request", json=body)
    assert again.status_code == 409
    assert "overlap" in again.headers["x-bamboohr-error-message"]


async def test_time_off_beyond_balance_is_400(client):
    body = {"start": "2027-03-01", "end": "2027-05-28", "timeOffTypeId": "78"}
    assert (await client.put("employees/5/time_off/request", json=body)).status_code == 400


async def test_time_off_status_change_uses_bamboohr_spellings(client):
    body = {"start": "2027-04-05", "end": "2027-04-05", "timeOffTypeId": "79"}
    request_id = (await client.put("employees/6/time_off/request", json=body)).json()["id"]
    r = await client.put(f"time_off/requests/{request_id}/status", json={"status": "denied", "note": "no"})
    assert r.json()["status"]["status"] == "denied"


async def test_calculator_balances_are_strings(client):
    rows = (await client.get("employees/5/time_off/calculator")).json()
    assert all(isinstance(row["balance"], str) for row in rows)


async def test_ats_status_change_moves_the_application(client):
    r = await client.post("applicant_tracking/applications/1/status", json={"status": 8})
    assert r.status_code == 200
    detail = (await client.get("applicant_tracking/applications/1")).json()
    assert detail["status"] == {"id": 8, "label": "Not a Fit"}


async def test_applications_page_by_number(client):
    first = (await client.get("applicant_tracking/applications")).json()
    assert first["paginationComplete"] is False
    assert len(first["applications"]) == 20
    assert "page=2" in first["nextPageUrl"]


async def test_application_is_created_from_a_multipart_form(client):
    form = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "jobId": "1", "source": "LinkedIn"}
    r = await client.post("applicant_tracking/application", files={k: (None, v) for k, v in form.items()})
    assert r.status_code == 200
    detail = (await client.get(f"applicant_tracking/applications/{r.json()['applicationId']}")).json()
    assert detail["applicant"]["source"] == "linkedin"


async def test_application_without_required_fields_is_422(client):
    r = await client.post("applicant_tracking/application", files={"firstName": (None, "Ada")})
    assert r.status_code == 422


HOOK = {"name": "hr", "url": "https://example.com/hook", "format": "json", "events": ["employee.updated"]}


async def test_webhook_private_key_is_returned_only_on_create(client):
    created = await client.post("webhooks", json=HOOK)
    assert created.status_code == 201
    assert len(created.json()["privateKey"]) >= 32
    shown = (await client.get(f"webhooks/{created.json()['id']}")).json()
    assert "privateKey" not in shown
    assert shown["url"] == HOOK["url"]


async def test_webhook_mixing_event_families_is_400(client):
    bad = {**HOOK, "events": ["employee.updated", "employee_with_fields.updated"]}
    assert (await client.post("webhooks", json=bad)).status_code == 400


async def test_change_is_delivered_signed_to_the_receiver(app, client, control):
    received: list[tuple[bytes, dict]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> dict:
        received.append((await request.body(), dict(request.headers)))
        return {}

    with LiveMockHRMS(app=receiver) as server:
        created = (await client.post("webhooks", json={**HOOK, "url": f"{server.base_url}/hook"})).json()
        await control.patch("/_control/employees/EMP00010", json={"job_title": "Chief Tea Officer"})
        await app.state.webhooks.idle()
        await asyncio.sleep(0)
    body, headers = received[0]
    assert headers[SIGNATURE_HEADER.lower()] == sign(body, headers[TIMESTAMP_HEADER.lower()], created["privateKey"])
    payload = orjson.loads(body)
    assert payload["type"] == "employee.updated"
    assert payload["data"] == {"companyId": "100", "employeeId": "10", "changedFields": ["jobTitle"]}
    log = (await client.get(f"webhooks/{created['id']}/log")).json()
    assert (log["status"], log["failureCount"]) == (200, 0)


def test_sign_is_hex_hmac_sha256_over_body_then_timestamp():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b'{"a":1}1700000000', hashlib.sha256).hexdigest()
    assert sign(b'{"a":1}', "1700000000", "k") == expected
