"""One measured run in a fresh process, for bench/sync_throughput.py: prints one JSON line on stdout.

    python bench/sync_bench_child.py phases --org SLUG
    python bench/sync_bench_child.py dlt --base-url URL --token T --database-url URL
    python bench/sync_bench_child.py per-record --org ID --base-url URL --token T --sample N

`phases` is `harvey sync --org SLUG --entity employees --full` — the command a user types, run by the same
`harvey.cli.main` — with timers around the hot path's functions, to show where a run's time goes. The other
modes are the baselines the sync is compared with. A fresh process per run gives each a cold Python.
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
    phases.wrap(engine, "_settle", "finish: total")
    return phases


def run_phases(args: argparse.Namespace) -> dict[str, Any]:
    """`harvey sync --org SLUG --entity employees --full`, in this process, with the phase timers on."""
    setup_django()
    phases = install_phases()
    from harvey.cli import main as harvey

    started = time.perf_counter()
    harvey(["sync", "--org", args.org, "--entity", "employees", "--full"])
    return {"seconds": time.perf_counter() - started, "phases": dict(phases.seconds), "peak_rss_mb": peak_rss_mb()}


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
    from hrmodel import canonical as c

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
            organization_id=int(args.org), external_id=external_id, defaults={**row, "hrms_type": "mock"}
        )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": len(records), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["phases", "dlt", "per-record"])
    parser.add_argument("--org", help="organization: its slug (phases) or id (per-record)")
    parser.add_argument("--base-url")
    parser.add_argument("--token")
    parser.add_argument("--database-url")
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    result = {"phases": run_phases, "dlt": run_dlt, "per-record": run_per_record}[args.mode](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
