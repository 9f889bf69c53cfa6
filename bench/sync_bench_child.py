"""One measured run in a fresh process, for bench/sync_throughput.py: prints one JSON line on stdout.

    python bench/sync_bench_child.py sync --org ID --base-url URL --token T [--full] [--phases]
    python bench/sync_bench_child.py dlt --base-url URL --token T --database-url URL
    python bench/sync_bench_child.py per-record --org ID --base-url URL --token T --sample N

A fresh process per run makes `ru_maxrss` the peak memory of that run alone (the parent's world of 100k
records does not count) and gives each run a cold Python, as a Celery worker would have.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGE_SIZE = 1000


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM). ru_maxrss would also count the parent's peak, which a
    forked child inherits on Linux."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_cpu() -> tuple[float, float]:
    """Seconds of CPU time the whole machine spent busy and idle since boot, over all cores (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / ticks, idle / ticks


class CountingTransport(httpx.AsyncHTTPTransport):
    """Counts the HTTP requests a run sends (the "one request when nothing changed" check)."""

    requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        CountingTransport.requests += 1
        return await super().handle_async_request(request)


class Phases:
    """Wall time per (thread, function) of the hot path: where a run's time goes, at negligible cost."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        phases = self
        if asyncio.iscoroutinefunction(original):

            async def timed_async(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    phases.seconds[f"{label} [event loop]"] += time.perf_counter() - started

            setattr(owner, name, timed_async)
        else:

            def timed(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    phases.seconds[f"{label} [{_thread_role()}]"] += time.perf_counter() - started

            setattr(owner, name, timed)


def _thread_role() -> str:
    name = threading.current_thread().name
    if threading.current_thread() is threading.main_thread():
        return "transaction thread"
    return "prepare thread" if name.startswith("hrms-sync-prepare") else "event loop"


def install_phases() -> Phases:
    from harvey.replica import rowplan, upsert
    from integrations.hrms import mapping
    from integrations.hrms.http import client
    from integrations.hrms.sync import engine, ledger

    phases = Phases()
    phases.wrap(client.HRMSHttpClient, "request", "fetch: HTTP")
    phases.wrap(mapping, "build_page_from_json", "validate: pydantic, from the body's bytes")
    phases.wrap(rowplan.RowPlan, "rows", "prepare: RowPlan tuples")
    phases.wrap(upsert.ReplicaWriter, "prepare_records", "prepare: total (tuples, links, COPY data)")
    phases.wrap(upsert.ReplicaWriter, "write_prepared", "write: total")
    phases.wrap(upsert.ReplicaWriter, "_copy", "write: COPY (incl. waiting for PostgreSQL)")
    phases.wrap(upsert.ReplicaWriter, "_lookup_targets", "write: look up the page's reference targets")
    phases.wrap(upsert.ReplicaWriter, "_upsert_staged", "write: stage + INSERT ON CONFLICT")
    phases.wrap(engine, "_commit_pages", "commit pages: total (checkpoint, write, quarantine, counts)")
    phases.wrap(ledger, "checkpoint", "commit page: checkpoint under the fence")
    phases.wrap(upsert.ReplicaWriter, "resolve_references", "finish: resolve references")
    phases.wrap(engine, "_finish", "finish: total")
    return phases


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    phases = install_phases() if args.phases else None
    from integrations.hrms.adapters.mock import MockAdapter
    from integrations.hrms.base import AdapterConfig
    from integrations.hrms.http import DEFAULT_POLICY, MemoryTransportState
    from integrations.hrms.http.client import tls_context
    from integrations.hrms.sync.engine import sync_entity

    # The mock HRMS has no rate limit; the production budget (10 requests/s) is a politeness setting for
    # real vendors and would make this a benchmark of the limiter.
    policy = replace(DEFAULT_POLICY, rate_per_second=10_000, burst=10_000)

    def factory() -> MockAdapter:
        config = AdapterConfig(base_url=args.base_url, credentials={"token": args.token}, integration_key="bench")
        transport = CountingTransport(verify=tls_context())  # as the adapter's own client would
        return MockAdapter(config, transport=transport, policy=policy, state=MemoryTransportState())

    busy, idle = machine_cpu()
    cpu = time.process_time()
    started = time.perf_counter()
    run = sync_entity(args.org, args.entity, full=args.full, adapter_factory=factory)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    busy_after, idle_after = machine_cpu()
    return {
        "seconds": seconds,
        "status": run.status,
        "fetched": run.fetched,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "deleted": run.deleted,
        "quarantined": run.quarantined,
        "pages": run.pages,
        "requests": CountingTransport.requests,
        "peak_rss_mb": peak_rss_mb(),
        "phases": dict(phases.seconds) if phases else {},
        "cpu_seconds": cpu,
        "machine_busy_seconds": busy_after - busy,
        "machine_available_seconds": (busy_after - busy) + (idle_after - idle),
    }


def page_employees(base_url: str, token: str):
    """Every employee (detail view) of the mock HRMS, page by page, with the keyset cursor."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=60) as client:
        cursor = None
        while True:
            params = {"page_size": PAGE_SIZE, "view": "detail", **({"cursor": cursor} if cursor else {})}
            response = client.get("/employees", params=params)
            response.raise_for_status()
            body = orjson.loads(response.content)
            yield body["data"]
            cursor = body["next_cursor"]
            if not cursor:
                return


def run_dlt(args: argparse.Namespace) -> dict[str, Any]:
    """dlt loading the same API into the same database: a generator resource, merge on employee_id."""
    import dlt

    @dlt.resource(name="employees", primary_key="employee_id", write_disposition="merge")
    def employees():
        yield from page_employees(args.base_url, args.token)

    with tempfile.TemporaryDirectory() as workdir:
        pipeline = dlt.pipeline(
            pipeline_name="harvey_bench",
            pipelines_dir=workdir,
            # dlt insists on a password; a trust-authenticated server ignores it.
            destination=dlt.destinations.postgres(credentials=_with_password(args.database_url)),
            dataset_name="dlt_bench",
        )
        started = time.perf_counter()
        pipeline.run(employees())
        seconds = time.perf_counter() - started
    import psycopg

    with psycopg.connect(args.database_url) as conn:
        loaded = conn.execute("SELECT count(*) FROM dlt_bench.employees").fetchone()[0]
    return {"seconds": seconds, "loaded": loaded, "peak_rss_mb": peak_rss_mb()}


def _with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    userinfo, host = rest.split("@", 1)
    return url if ":" in userinfo else f"{scheme}://{userinfo}:unused@{host}"


def run_per_record(args: argparse.Namespace) -> dict[str, Any]:
    """The seed's approach: Employee.objects.update_or_create per record, on the first `sample` records."""
    setup_django()
    from harvey.replica.models import Employee
    from harvey.replica.registry import canonical_to_row
    from integrations.hrms import canonical as c

    records: list[dict] = []
    for items in page_employees(args.base_url, args.token):
        records.extend(items[: args.sample - len(records)])
        if len(records) >= args.sample:
            break
    started = time.perf_counter()
    for raw in records:
        row = canonical_to_row("employees", c.EmployeeDetail.model_validate(raw))
        external_id = row.pop("external_id")
        Employee.objects.update_or_create(
            organization_id=args.org, external_id=external_id, defaults={**row, "hrms_type": "mock"}
        )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": len(records), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["sync", "dlt", "per-record"])
    parser.add_argument("--org", type=int)
    parser.add_argument("--entity", default="employees")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    result = {"sync": run_sync, "dlt": run_dlt, "per-record": run_per_record}[args.mode](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
