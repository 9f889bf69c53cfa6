"""Full, re-, and incremental sync of 100k employees, side by side with the write ceiling, dlt and the seed.

    ./dev bench sync_throughput [--employees 100000] [--small 10000] [--rate-limit 1000] [--burst 1000]

Measured in one run on this machine, on the path a user runs: a mock HRMS (`python -m mock_hrms`) with the
given number of employees in a subprocess, over loopback HTTP; a fresh PostgreSQL database `harvey_bench`
(same server as DATABASE_URL, migrated with `harvey migrate`); organizations connected with
`harvey connect --type mock ... [--rate-limit N --burst B]` and synced with `harvey sync --org ... --entity
employees [--full]`, each a process of its own, exactly as typed at a shell. Two budgets are measured: the
adapter's default (what `harvey connect` gives without flags) and the one passed here (`--rate-limit`,
1,000 requests/s by default — the most `harvey connect` accepts). A run's seconds are its SyncRun's
(started to finished: what a worker spends); the command's own start-up is shown beside them. Peak RSS and
CPU are the `harvey sync` process's (os.wait4), the COPY process included.

Printed as a table and written to bench/results/sync_throughput.txt. After the runs the replica must equal
the mock HRMS exactly (count and a digest of id, email, title, status, updated_at), or the benchmark fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from support import free_port, fresh_database, machine_cpu  # noqa: E402
from sync_bench_child import page_employees  # noqa: E402

RESULTS = HERE / "results" / "sync_throughput.txt"
TOKEN = "bench-token-0001"
CONTROL_TOKEN = "bench-control-0001"
BENCH_DB = "harvey_bench"
TARGETS = {"records_per_s": 35_000, "share_of_ceiling": 0.70, "x_dlt": 7, "x_per_record": 150, "incremental": 0.05}


class MockHRMS:
    """`python -m mock_hrms` with `employees` employees on a free loopback port, for the `with` block."""

    def __init__(self, employees: int) -> None:
        self.employees = employees
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> MockHRMS:
        command = [
            sys.executable, "-m", "mock_hrms", "--port", str(self.port), "--employees", str(self.employees),
            "--token", TOKEN, "--control-token", CONTROL_TOKEN, "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=HERE.parent)
        started = time.perf_counter()
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the mock HRMS exited with {self.process.returncode}")
                try:
                    if httpx.get(f"{self.base_url}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
                if time.perf_counter() - started > 600:
                    raise RuntimeError("the mock HRMS did not start in 600 s")
        except BaseException:
            self.__exit__()
            raise
        self.startup = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def control(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}, timeout=60)

    def token_uses(self) -> int:
        """Authenticated API requests the mock has answered so far (its control surface counts them)."""
        with self.control() as control:
            return int(control.get("/_control/stats").raise_for_status().json()["token_uses"])


def child(*args: str, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(HERE / "sync_bench_child.py"), *args], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {args[0]}: {json.dumps(result)}", file=sys.stderr)
    return result


class Launcher:
    """bench/launcher.py, started before this process holds any test data (see there): runs commands and
    reports their own peak RSS and CPU."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "launcher.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, argv: list[str], env: dict[str, str]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": str(HERE.parent)}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


LAUNCHER: Launcher | None = None


def harvey(*args: str, env: dict[str, str]) -> dict[str, Any]:
    """`harvey ARGS` as a user types it, in a process of its own: wall seconds, its (and its children's) peak
    RSS and CPU, the machine's CPU meanwhile, and what it printed."""
    global LAUNCHER
    LAUNCHER = LAUNCHER or Launcher()
    busy, idle = machine_cpu()
    result = LAUNCHER.run([sys.executable, "-c", "from harvey.cli import main; main()", *args], env)
    busy_after, idle_after = machine_cpu()
    if result["code"] != 0:
        raise SystemExit(f"harvey {' '.join(args)} exited {result['code']}:\n{result['output'][-3000:]}")
    return {
        **result,
        "machine_busy_seconds": busy_after - busy,
        "machine_available_seconds": (busy_after - busy) + (idle_after - idle),
    }


def connect(slug: str, base_url: str, *, budget: tuple[float, int] | None, env: dict[str, str]) -> int:
    """`harvey connect` (the token from the environment, as the README advises), with a rate budget or the
    adapter's default; returns the organization's id."""
    args = ["connect", "--org", slug, "--type", "mock", "--base-url", base_url, "--token-env", "BENCH_HRMS_TOKEN"]
    args.append("--allow-private-network")  # the mock HRMS listens on loopback
    if budget is not None:
        args += ["--rate-limit", f"{budget[0]:g}", "--burst", str(budget[1])]
    harvey(*args, env={**env, "BENCH_HRMS_TOKEN": TOKEN})
    from harvey.organizations.models import Organization

    return Organization.objects.get(slug=slug).pk


def sync(mock: MockHRMS, slug: str, *flags: str, entity: str = "employees", env: dict[str, str]) -> dict[str, Any]:
    """`harvey sync --org SLUG --entity ENTITY [flags]`; the figures of the run it made."""
    from integrations.hrms.sync.models import SyncRun

    before = mock.token_uses()
    command = harvey("sync", "--org", slug, "--entity", entity, *flags, env=env)
    run = SyncRun.objects.filter(organization__slug=slug, entity=entity).order_by("-started_at").first()
    result = {
        "seconds": (run.finished_at - run.started_at).total_seconds(),
        "command_seconds": command["wall"],
        "status": run.status,
        **{name: getattr(run, name) for name in ("fetched", "inserted", "updated", "unchanged", "deleted", "pages")},
        "requests": mock.token_uses() - before,
        **{name: command[name] for name in ("peak_rss_mb", "cpu_seconds", "machine_busy_seconds")},
        "machine_available_seconds": command["machine_available_seconds"],
    }
    print(f"  harvey sync --org {slug} {' '.join(flags)}: {json.dumps(result)}", file=sys.stderr)
    if run.status != "succeeded":
        raise SystemExit(f"the {slug} run ended {run.status}: {run.error_message}")
    return result


def warm_and_digest(base_url: str) -> tuple[int, str, list[dict]]:
    """Page every employee once (this also fills the mock's per-record JSON cache): count, digest, records."""
    records = [record for page in page_employees(base_url, TOKEN) for record in page]
    lines = sorted(
        _line(r["id"], r["email"], r.get("job_title"), r["employment_status"], r["updated_at"]) for r in records
    )
    return len(records), hashlib.sha256("\n".join(lines).encode()).hexdigest(), records


def replica_digest(organization_id: int) -> tuple[int, str]:
    from harvey.replica.models import Employee

    rows = Employee.objects.filter(organization_id=organization_id).values_list(
        "external_id", "email", "job_title", "employment_status", "source_updated_at"
    )
    lines = sorted(_line(*row) for row in rows.iterator(chunk_size=10_000))
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _line(xid: str, email: str, title: str | None, status: str, updated: Any) -> str:
    when = dt.datetime.fromisoformat(updated) if isinstance(updated, str) else updated
    return f"{xid}\t{email}\t{title}\t{status}\t{when.astimezone(dt.UTC).isoformat()}"


def write_ceiling(records: list[dict]) -> float:
    """Seconds for one COPY of `records` (as replica rows) into the replica's own employee table (all its
    indexes and constraints), on one connection, for a scratch organization; the table is emptied after."""
    from django.db import connection, transaction
    from django.utils import timezone
    from pydantic import TypeAdapter

    from harvey.organizations.models import Organization
    from harvey.replica.upsert import FIXED, ReplicaWriter
    from hrmodel import canonical as c

    organization_id = Organization.objects.create(name="Write ceiling", slug="write-ceiling").pk
    writer = ReplicaWriter("employees", organization_id, "mock")
    validated = TypeAdapter(list[c.EmployeeDetail]).validate_python(records)
    plan = writer._plan(c.EmployeeDetail)
    fixed = {"organization_id": organization_id, "hrms_type": "mock", "synced_at": timezone.now(), "deleted_at": None}
    tuples = plan.rows(validated, [fixed[col] for col in FIXED])
    columns = ", ".join(f'"{column}"' for column in plan.columns)
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY replica_employee ({columns}) FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
        seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM replica_employee WHERE organization_id = %s", [organization_id])
        cursor.execute("VACUUM ANALYZE replica_employee")
    return seconds


def change_employees(mock: MockHRMS, count: int) -> None:
    """HR edits `count` employees' titles through the mock's control surface (direct PATCH)."""
    employed = [r["id"] for page in page_employees(mock.base_url, TOKEN) for r in page if r["termination_date"] is None]
    ids = employed[:: max(1, len(employed) // count)]  # a terminated employee cannot be edited
    with mock.control() as control:
        for n, employee_id in enumerate(ids[:count]):
            control.patch(
                f"/_control/employees/{employee_id}", json={"job_title": f"Bench Title {n}"}
            ).raise_for_status()


def machine() -> str:
    with psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {os.cpu_count()}, python {platform.python_version()}, PostgreSQL {pg}, load average at start {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="second size, to show memory does not grow")
    parser.add_argument("--sample", type=int, default=2_000, help="records for the per-record baseline")
    parser.add_argument("--rate-limit", type=float, default=1000, help="the configured budget: requests/s")
    parser.add_argument("--burst", type=int, default=1000, help="the configured budget: burst")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/harvey"
    os.environ["DATABASE_URL"] = fresh_database(base, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")
    os.environ.setdefault("HARVEY_LOG_LEVEL", "WARNING")
    env = dict(os.environ)
    harvey("migrate", "-v", "0", env=env)  # also starts the launcher, while this process is small
    import django

    django.setup()
    n = args.employees
    budget = (args.rate_limit, args.burst)
    lines = [f"sync throughput — {n} employees, mock HRMS over loopback HTTP, PostgreSQL, page_size=1000"]
    lines.append(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {machine()}")
    lines.append("every sync is `harvey sync --org SLUG --entity employees [--full]` in a process of its own, on an")
    lines.append(
        f"integration made by `harvey connect --type mock ... [--rate-limit {args.rate_limit:g} --burst {args.burst}]`"
    )
    results: dict[str, Any] = {}
    with MockHRMS(n) as mock, MockHRMS(args.small) as small:
        lines.append(f"mock HRMS startup: {mock.startup:.1f} s ({n}), {small.startup:.1f} s ({args.small})")
        count, mock_digest, records = warm_and_digest(mock.base_url)
        results["ceiling"] = write_ceiling(records)
        del records

        org = connect("bench", mock.base_url, budget=budget, env=env)
        results["budget"] = str(_budget("bench"))
        sync(mock, "bench", "--full", entity="departments", env=env)  # dependency order; not measured
        results["full"] = sync(mock, "bench", "--full", env=env)
        results["resync"] = sync(mock, "bench", "--full", env=env)
        change_employees(mock, n // 100)
        results["incremental"] = sync(mock, "bench", env=env)
        results["nothing"] = sync(mock, "bench", env=env)
        count, mock_digest, _ = warm_and_digest(mock.base_url)
        replica_count, digest = replica_digest(org)
        if (replica_count, digest) != (count, mock_digest):
            raise SystemExit(f"replica differs from the mock HRMS: {replica_count} vs {count} employees")

        connect("bench-default", mock.base_url, budget=None, env=env)
        results["default_budget"] = _budget("bench-default")
        sync(mock, "bench-default", "--full", entity="departments", env=env)
        results["default"] = sync(mock, "bench-default", "--full", env=env)

        connect("bench-phases", mock.base_url, budget=budget, env=env)
        sync(mock, "bench-phases", "--full", entity="departments", env=env)  # as for the measured organization
        results["phases"] = child("phases", "--org", "bench-phases", env=env)

        connect("bench-small", small.base_url, budget=budget, env=env)
        warm_and_digest(small.base_url)
        results["small"] = sync(small, "bench-small", "--full", env=env)
        seed_org = connect("bench-seed", mock.base_url, budget=None, env=env)
        results["per_record"] = child(
            "per-record", "--base-url", mock.base_url, "--token", TOKEN, "--org", str(seed_org),
            "--sample", str(args.sample), env=env,
        )  # fmt: skip
        db_url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        results["dlt"] = child("dlt", "--base-url", mock.base_url, "--token", TOKEN, "--database-url", db_url, env=env)

    lines += report(n, args.small, results)
    lines.append(f"replica == mock HRMS after the runs: {count} employees, digest {digest[:16]}… (id, email, title,")
    lines.append("  status, updated_at)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _budget(slug: str):
    from harvey.organizations.models import HRMSIntegration

    return HRMSIntegration.objects.get(organization__slug=slug, is_active=True).rate_budget()


def report(n: int, small_n: int, r: dict[str, Any]) -> list[str]:
    full, resync, inc, nothing, default = r["full"], r["resync"], r["incremental"], r["nothing"], r["default"]
    default_budget = r["default_budget"]
    rate = n / full["seconds"]
    ceiling = n / r["ceiling"]
    dlt_rate = r["dlt"]["loaded"] / r["dlt"]["seconds"]
    seed_rate = r["per_record"]["records"] / r["per_record"]["seconds"]

    def check(ok: bool) -> str:
        return "OK  " if ok else "MISS"

    rows = [
        ("write ceiling: one COPY into replica_employee", r["ceiling"], ceiling, ""),
        (f"full sync, configured budget ({r['budget']})", full["seconds"], rate, _counts(full)),
        (f"full sync, the adapter's default ({default_budget})", default["seconds"], n / default["seconds"],
         _counts(default)),
        ("forced full re-sync, nothing changed", resync["seconds"], n / resync["seconds"], _counts(resync)),
        ("incremental, 1% changed", inc["seconds"], inc["fetched"] / inc["seconds"], _counts(inc)),
        ("incremental, nothing changed", nothing["seconds"], None, f"{nothing['requests']} request(s)"),
        ("dlt, merge on employee_id", r["dlt"]["seconds"], dlt_rate, f"{r['dlt']['loaded']} rows"),
        (
            f"seed: update_or_create per record ({r['per_record']['records']} sample)",
            n / seed_rate,
            seed_rate,
            "seconds extrapolated",
        ),
    ]  # fmt: skip
    out = ["", f"{'run':<64} {'seconds':>8} {'records/s':>10}  notes"]
    for label, seconds, per_s, note in rows:
        out.append(f"{label:<64} {seconds:>8.2f} {per_s if per_s else 0:>10,.0f}  {note}")
    out.append(
        f"(seconds of the run itself; each `harvey sync` command took {full['command_seconds'] - full['seconds']:.1f}"
        " s more to start Python and Django and to exit)"
    )
    share = rate / ceiling
    written = resync["inserted"] + resync["updated"]
    t = TARGETS
    out += [
        "",
        "targets (issue #4):",
        f"  {check(rate >= t['records_per_s'])} full sync {rate:,.0f} records/s >= {t['records_per_s']:,}",
        f"  {check(share >= t['share_of_ceiling'])} full sync at {share:.0%} of the write ceiling >= 70%",
        f"  {check(rate / dlt_rate >= t['x_dlt'])} {rate / dlt_rate:.1f}x dlt >= 7x",
        f"  {check(rate / seed_rate >= t['x_per_record'])} {rate / seed_rate:.0f}x the seed's per-record path >= 150x",
        f"  {check(written == 0 and resync['seconds'] < full['seconds'])} forced re-sync wrote {written} rows"
        f" in {resync['seconds']:.2f} s < {full['seconds']:.2f} s",
        f"  {check(inc['seconds'] <= t['incremental'] * full['seconds'])} incremental (1%) took"
        f" {inc['seconds'] / full['seconds']:.1%} of the full run <= 5%",
        f"  {check(nothing['requests'] == 1)} nothing changed: {nothing['requests']} request(s) for the entity",
        f"  {check(max(full['peak_rss_mb'], r['small']['peak_rss_mb']) < 300)} peak RSS of `harvey sync`:"
        f" {r['small']['peak_rss_mb']:.0f} MB at {small_n:,}, {full['peak_rss_mb']:.0f} MB at {n:,} (< 300 MB)",
        "",
        f"the adapter's default budget ({default_budget}) alone makes a {default['pages']}-page sync wait about"
        f" {max(default['pages'] - default_budget.burst, 0) / default_budget.rate_per_second:.0f} s for request slots;",
        "a vendor's documented limit is the reason for such a default; `harvey connect --rate-limit N` raises it.",
        "",
        "where the full sync's time goes (an instrumented `harvey sync --full` of another organization with the",
        f"configured budget: {r['phases']['seconds']:.2f} s; wall seconds per phase and thread — the threads overlap,",
        "so the phases add up to more than the run):",
    ]
    phases = r["phases"]["phases"]
    for phase, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        out.append(f"  {seconds:7.2f} s  {phase}")
    out += [
        "",
        f"CPU during the configured full sync: {full['cpu_seconds']:.2f} s in `harvey sync` (start-up included),"
        f" {full['machine_busy_seconds']:.2f} s on the whole machine, of {full['machine_available_seconds']:.2f} s"
        f" ({os.cpu_count()} cores x the command's wall time).",
    ]
    return out


def _counts(run: dict[str, Any]) -> str:
    return f"ins {run['inserted']} upd {run['updated']} same {run['unchanged']}, {run['requests']} requests"


if __name__ == "__main__":
    main()
