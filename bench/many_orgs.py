"""1,000 organizations on one worker: `harvey sync --all`, cycle after cycle, at a constant cost per run.

    ./dev bench many_orgs [--organizations 1000] [--employees 150] [--concurrency 2] [--cycles 3]

What runs is what an operator runs: one mock HRMS (`python -m mock_hrms`, 150 employees) that every
organization is connected to, a private `redis-server` (broker, cache and transport state, so its clients
can be counted), a fresh PostgreSQL database `harvey_many`, ONE `harvey worker --concurrency 2`, and
`harvey sync --all` once per cycle: the first cycle is every organization's first sync, the next ones find
nothing changed. The organizations are stored in one transaction, as 1,000 `harvey connect` would store
them (the adapter's default rate budget, credentials encrypted) — that set-up is not what is measured.

Per cycle: wall time, runs/s, records/s, mean and p95 cost of a run (all from the cycle's SyncRun rows, as
`harvey sync --all` prints them), the worker's peak RSS (its processes' VmRSS sampled every 0.2 s), and the
Redis clients connected after the cycle. Written to bench/results/many_orgs.txt.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from support import free_port, fresh_database  # noqa: E402

RESULTS = HERE / "results" / "many_orgs.txt"
BENCH_DB = "harvey_many"
TOKEN = "bench-token-0001"
TARGETS = {"no_change_seconds": 60, "first_seconds": 180, "worker_rss_mb": 300}


def wait_for(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not come up in {timeout:.0f} s")
        time.sleep(0.2)


def harvey(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from harvey.cli import main; main()", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def connect_organizations(count: int, base_url: str) -> None:
    """What `harvey connect --org org-NNNN --type mock --base-url URL --token-env ... --allow-private-network`
    stores, for `count` organizations at once."""
    from django.db import transaction

    from harvey.organizations.models import HRMSIntegration, Organization

    with transaction.atomic():
        organizations = Organization.objects.bulk_create(
            Organization(name=f"Organization {n:04}", slug=f"org-{n:04}") for n in range(count)
        )
        integrations = []
        for organization in organizations:
            integration = HRMSIntegration(
                organization=organization,
                hrms_type="mock",
                base_url=base_url,
                credentials={"token": TOKEN},
                allow_private_network=True,
            )
            integrations.append(integration)
        integrations[0].full_clean()  # the same validation `harvey connect` runs (all are alike)
        HRMSIntegration.objects.bulk_create(integrations)


class RssSampler:
    """The peak resident memory of any one process of the worker (the supervisor, Celery's main process and
    its pool children), sampled every 0.2 s."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _pids(self) -> list[int]:
        found, frontier = [self.root], [self.root]
        while frontier:
            pid = frontier.pop()
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            found += [int(child) for child in children]
            frontier += [int(child) for child in children]
        return found

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in self._pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmRSS:\s+(\d+) kB", status)
                if match:
                    self.peak_mb = max(self.peak_mb, int(match.group(1)) / 1024)

    def take(self) -> float:
        peak, self.peak_mb = self.peak_mb, 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def cpu_by_program() -> dict[str, float]:
    """CPU seconds used so far by each kind of process on the machine (/proc/<pid>/stat utime + stime), to say
    where a cycle's CPU went: the worker, PostgreSQL, the mock HRMS, Redis, `harvey sync --all` itself."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        totals[_program(stat, cmdline)] = totals.get(_program(stat, cmdline), 0.0) + seconds
    return totals


def _program(stat: str, cmdline: str) -> str:
    name = stat.split("(", 1)[1].split(")", 1)[0]
    if name.startswith("postgres") or "postgres:" in cmdline:
        return "PostgreSQL"
    if "redis-server" in cmdline:
        return "Redis"
    if "mock_hrms" in cmdline:
        return "mock HRMS"
    if "celery" in cmdline or " worker " in f" {cmdline} ":
        return "harvey worker"
    if "sync --all" in cmdline or cmdline.endswith("sync --all "):
        return "harvey sync --all"
    return "other"


def redis_clients(port: int) -> int:
    import redis

    return len(redis.Redis(port=port).client_list())


def cycle_figures(output: str) -> dict[str, str]:
    """The figures `harvey sync --all` printed (its cycle table), by name."""
    names = ("runs done", "wall time", "runs/s", "records fetched", "records/s", "mean run", "p95 run", "failed runs")
    figures = {}
    for name in names:
        match = re.search(rf"│\s*{re.escape(name)}\s*│\s*([^│]+?)\s*│", output)
        if match:
            figures[name] = match.group(1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--employees", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--cycles", type=int, default=3, help="the first sync, then cycles with nothing changed")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/harvey"
    redis_port = free_port()
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database(base, BENCH_DB),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_SETTINGS_MODULE": "harvey.settings",
        "HARVEY_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    mock_port = free_port()
    mock = subprocess.Popen(
        [sys.executable, "-m", "mock_hrms", "--port", str(mock_port), "--employees", str(args.employees),
         "--token", TOKEN, "--log-level", "warning"],
        cwd=ROOT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{mock_port}"
    worker = sampler = None
    lines = [
        f"many organizations — {args.organizations} organizations on one mock HRMS of {args.employees} employees,",
        f"one `harvey worker --concurrency {args.concurrency}`, `harvey sync --all` per cycle",
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; nproc {os.cpu_count()}, load average at start "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
    ]
    try:
        migrated = harvey("migrate", "-v", "0", env=env)
        if migrated.returncode:
            raise SystemExit(migrated.stdout + migrated.stderr)
        import django

        django.setup()
        wait_for(lambda: _serves(base_url), "the mock HRMS")
        connect_organizations(args.organizations, base_url)
        worker = subprocess.Popen(
            [sys.executable, "-c", "from harvey.cli import main; main()", "worker", "--concurrency",
             str(args.concurrency), "--loglevel", "WARNING"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        sampler = RssSampler(worker.pid)
        cycles = []
        for number in range(1, args.cycles + 1):
            started = time.perf_counter()
            cpu_before = cpu_by_program()
            result = harvey("sync", "--all", env=env)
            wall = time.perf_counter() - started
            cpu_after = cpu_by_program()
            cpu = {name: round(cpu_after[name] - cpu_before.get(name, 0.0), 1) for name in cpu_after}
            figures = cycle_figures(result.stdout)
            cycles.append(
                {
                    "cycle": number,
                    "kind": "first sync" if number == 1 else "nothing changed",
                    "exit": result.returncode,
                    "command_seconds": round(wall, 1),
                    "worker_peak_rss_mb": round(sampler.take(), 1),
                    "redis_clients": redis_clients(redis_port),
                    "cpu_seconds": {name: seconds for name, seconds in sorted(cpu.items()) if seconds >= 0.5},
                    **figures,
                }
            )
            print(json.dumps(cycles[-1]), file=sys.stderr)
            if result.returncode:
                print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        lines += report(cycles)
    finally:
        if sampler is not None:
            sampler.stop()
        for process in (worker, mock, redis_server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _serves(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/openapi.json", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _seconds(figure: str) -> float:
    return float(figure.split()[0].replace(",", ""))


def report(cycles: list[dict]) -> list[str]:
    columns = ("cycle", "kind", "exit", "runs done", "wall time", "runs/s", "records/s", "mean run", "p95 run",
               "failed runs", "worker_peak_rss_mb", "redis_clients")  # fmt: skip
    out = [" | ".join(columns)]
    for cycle in cycles:
        out.append(" | ".join(str(cycle.get(column, "-")) for column in columns))

    def check(ok: bool) -> str:
        return "OK  " if ok else "MISS"

    out.append("")
    out.append("CPU seconds per cycle (all processes of each kind; the cycle's wall time x 2 cores is what exists):")
    for cycle in cycles:
        out.append(f"  cycle {cycle['cycle']}: {cycle['cpu_seconds']}")
    first, rest = cycles[0], cycles[1:]
    out += ["", "targets (issue #9, one worker, 2 cores):"]
    out.append(
        f"  {check(_seconds(first['wall time']) < TARGETS['first_seconds'])} first cycle {first['wall time']}"
        f" < {TARGETS['first_seconds']} s"
    )
    for cycle in rest:
        out.append(
            f"  {check(_seconds(cycle['wall time']) < TARGETS['no_change_seconds'])} no-change cycle {cycle['cycle']}"
            f" {cycle['wall time']} < {TARGETS['no_change_seconds']} s"
        )
    for earlier, later in itertools.pairwise(rest):
        slower = _seconds(later["wall time"]) / _seconds(earlier["wall time"])
        out.append(
            f"  {check(slower <= 1.1)} cycle {later['cycle']} no slower than cycle {earlier['cycle']}"
            f" ({slower:.2f}x, 10% noise allowed)"
        )
    peak = max(cycle["worker_peak_rss_mb"] for cycle in cycles)
    out.append(f"  {check(peak < TARGETS['worker_rss_mb'])} worker process peak RSS {peak:.0f} MB < 300 MB")
    clients = [cycle["redis_clients"] for cycle in cycles]
    out.append(f"  {check(max(clients) == clients[0])} Redis clients after each cycle: {clients} (bounded)")
    out.append(f"  {check(all(cycle['exit'] == 0 for cycle in cycles))} every run of every cycle succeeded")
    return out


if __name__ == "__main__":
    main()
