"""How fast can one client page through the mock HRMS? (`./dev bench mock_hrms_throughput`)

Starts `python -m mock_hrms` with 100k employees in a subprocess on a free loopback port and pages every
employee with one httpx client using keyset cursors (as a sync does), reporting records/s (wall clock,
including the client's JSON decoding) for:
- the first pass in each view (`list`, and `detail` which syncs use) at page_size=1000: the server
  serialises every record on this pass and caches the bytes, so this is what a full sync meets;
- later (cached) passes at page_size=1000, and page_size=50, where per-request cost dominates.
Startup is the time from spawning the process to its first API answer, with the server's own figure for
world generation + app creation. Every measurement is repeated over `--rounds` fresh servers; the table
shows the best and all values, since other work on a 2-core machine adds noise (the load average is
recorded). Server CPU seconds per pass come from /proc where available. Results go to
bench/results/mock_hrms_throughput.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import orjson

RESULTS = Path(__file__).parent / "results" / "mock_hrms_throughput.txt"
TOKEN = "bench-token-0001"
# (label, view, page_size, repeats) in the order they run against each fresh server.
PASSES = (
    ("first pass", "list", 1000, 1),
    ("first pass", "detail", 1000, 1),
    ("cached", "list", 1000, 3),
    ("cached", "detail", 1000, 3),
    ("cached", "list", 50, 2),
    ("cached", "detail", 50, 2),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_cpu_seconds(pid: int) -> float | None:
    """utime + stime of the server process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_up(client: httpx.Client, process: subprocess.Popen, since: float, timeout: float) -> float:
    """Seconds from `since` (perf_counter) until the server answers an authenticated API request."""
    while time.perf_counter() - since < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the mock HRMS exited with {process.returncode}")
        try:
            if client.get("/api/v1/departments", params={"page_size": 1}).status_code == 200:
                return time.perf_counter() - since
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the mock HRMS did not start in time")


def page_all(client: httpx.Client, view: str, page_size: int) -> tuple[int, float]:
    """Records read and seconds taken to page all employees by cursor in `view`."""
    count, cursor = 0, None
    started = time.perf_counter()
    while True:
        params = {"page_size": page_size, "view": view, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/employees", params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        count += len(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return count, time.perf_counter() - started


def one_round(employees: int, samples: dict[tuple, list[tuple[float, float | None]]], startups: list) -> None:
    """Start a fresh server, measure its startup and every pass of PASSES into `samples`."""
    port = free_port()
    command = [
        sys.executable, "-m", "mock_hrms", "--port", str(port), "--employees", str(employees),
        "--token", TOKEN, "--log-level", "info",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        spawned = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
                ready = wait_until_up(client, process, since=spawned, timeout=300)
                log.seek(0)
                built = re.search(r"built_in=([0-9.]+)s", log.read())
                startups.append((ready, float(built.group(1)) if built else None))
                for label, view, page_size, repeats in PASSES:
                    for _ in range(repeats):
                        cpu_before = server_cpu_seconds(process.pid)
                        count, seconds = page_all(client, view, page_size)
                        if count != employees:
                            raise RuntimeError(f"paged {count} employees, expected {employees}")
                        cpu_after = server_cpu_seconds(process.pid)
                        cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
                        samples[(label, view, page_size)].append((count / seconds, cpu))
        finally:
            process.terminate()
            process.wait(timeout=30)


def report(employees: int, rounds: int, samples: dict, startups: list, load: str) -> list[str]:
    startup = ", ".join(
        f"{ready:.1f} s (world + app {built:.1f} s)" if built else f"{ready:.1f} s" for ready, built in startups
    )
    lines = [
        f"mock HRMS throughput — {employees} employees, one httpx client, keyset cursor paging, {rounds} fresh servers",
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, load average {load}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}",
        f"startup (spawn -> first API answer): {startup}",
        "",
        f"{'pass':<11} {'view':<7} {'page_size':>9} {'best records/s':>15}  {'server CPU µs/record':>20}"
        "  all records/s",
    ]
    for label, view, page_size, _ in PASSES:
        values = samples[(label, view, page_size)]
        rates = [rate for rate, _ in values]
        cpus = [cpu for _, cpu in values if cpu is not None]
        cpu_text = f"{min(cpus) / employees * 1e6:.1f}" if cpus else "n/a"
        lines.append(
            f"{label:<11} {view:<7} {page_size:>9} {max(rates):>15,.0f}  {cpu_text:>20}  "
            + " ".join(f"{rate:,.0f}" for rate in rates)
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="fresh servers to measure (first passes need one each)")
    args = parser.parse_args()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    samples: dict[tuple, list] = defaultdict(list)
    startups: list[tuple[float, float | None]] = []
    for _ in range(args.rounds):
        one_round(args.employees, samples, startups)
    lines = report(args.employees, args.rounds, samples, startups, load)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
