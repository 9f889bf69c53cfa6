"""The mock adapter over real HTTP (uvicorn on a loopback port): the same contract across a socket."""

from __future__ import annotations

import httpx
import pytest

from hrmodel import canonical as c
from integrations.hrms import errors
from integrations.hrms.adapters.mock import MockAdapter
from integrations.hrms.base import AdapterConfig
from integrations.hrms.http import MemoryTransportState, TransportPolicy
from mock_hrms.api.settings import MockSettings
from mock_hrms.api.testing import LiveMockHRMS

FAST = TransportPolicy(
    max_retries=6, backoff_base=0.001, backoff_cap=0.01, rate_per_second=10_000, burst=10_000, breaker_threshold=100
)


@pytest.fixture(scope="module")
def server():
    with LiveMockHRMS(MockSettings(seed=21, employees=100)) as live:
        yield live


@pytest.fixture
async def adapter(server):
    config = AdapterConfig(
        server.base_url, {"token": "mock-hrms-token-12345"}, integration_key="live", allow_private_network=True
    )
    async with MockAdapter(config, state=MemoryTransportState(), policy=FAST) as adapter:
        yield adapter
    await _control(server, "DELETE", "/_control/faults")


async def _control(server, method, path, **kw):
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.request(method, path, headers={"Authorization": "Bearer mock-hrms-control-12345"}, **kw)
        response.raise_for_status()


@pytest.mark.parametrize(
    "entity",
    ["departments", "employees", "job_requisitions", "candidates", "interviews", "leave_requests", "leave_balances"],
)
async def test_every_entity_pages_completely_over_http(server, adapter, entity):
    records = await adapter.collect(entity, page_size=40)
    if entity == "leave_balances":
        assert len(records) == len(server.app.state.world.tables["employees"])
    else:
        assert len({r.id for r in records}) == len(server.app.state.world.tables[entity])


async def test_single_reads_and_chain_over_http(server, adapter):
    employee = (await adapter.collect("employees"))[-1]
    assert (await adapter.get_employee(employee.id)).email == employee.email
    chain = await adapter.get_reporting_chain(employee.id)
    assert chain.reporting_chain[-1].title == "Chief Executive Officer"
    assert (await adapter.get_leave_balance(employee.id)).employee_id == employee.id


async def test_a_write_over_http_is_idempotent(server, adapter):
    job = next(j for j in await adapter.collect("job_requisitions") if j.status == "open")
    data = c.CandidateCreate(first_name="Ishaan", email="ishaan.live@example.com", applied_for_job_id=job.id)
    first = await adapter.create_candidate(data, idempotency_key="live-1")
    second = await adapter.create_candidate(data, idempotency_key="live-1")
    assert first.id == second.id


async def test_errors_over_http_are_typed(server, adapter):
    with pytest.raises(errors.NotFound):
        await adapter.get_employee("EMP-NOPE")
    config = AdapterConfig(server.base_url, {"token": "wrong"}, integration_key="live-bad", allow_private_network=True)
    async with MockAdapter(config, state=MemoryTransportState(), policy=FAST) as bad:
        with pytest.raises(errors.AuthenticationFailed):
            await bad.get_employee("EMP001")


async def test_faults_over_http_are_retried(server, adapter):
    rules = [
        {"path": "/api/", "error_rate": 0.3, "error_status": 500},
        {"path": "/api/", "rate_limit": {"every_nth": 4, "retry_after_seconds": 0}},
    ]
    await _control(server, "PUT", "/_control/faults", json={"seed": 4, "rules": rules})
    assert len(await adapter.collect("employees", page_size=10)) == len(server.app.state.world.tables["employees"])
