"""How fast can one client page through the mock HRMS? (`./dev bench mock_hrms_throughput`)

Starts `python -m mock_hrms` with 100k employees in a subprocess on a free loopback port, then pages every
employee with one httpx client using keyset cursors, at page_size=1000 and at page_size=50, and reports
records/s for each (wall clock, including JSON decoding on the client). Results go to
bench/results/mock_hrms_throughput.txt.
"""

from __future__ import annotations

import argparse
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson

RESULTS = Path(__file__).parent / "results" / "mock_hrms_throughput.txt"
TOKEN = "bench-token-0001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base_url: str, process: subprocess.Popen, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the mock HRMS exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/openapi.json", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the mock HRMS did not start in time")


def page_all(client: httpx.Client, page_size: int) -> tuple[int, float]:
    """Records read and seconds taken to page all employees by cursor."""
    count, cursor = 0, None
    started = time.perf_counter()
    while True:
        params = {"page_size": page_size, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/employees", params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        count += len(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "mock_hrms", "--port", str(port), "--employees", str(args.employees),
        "--token", TOKEN, "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command)
    lines = [
        f"mock HRMS throughput — {args.employees} employees, one httpx client, keyset cursor paging",
        f"python {platform.python_version()}, {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M:%S')}",
    ]
    try:
        startup = wait_until_up(base_url, process, timeout=300)
        lines.append(f"startup (world generation + app): {startup:.1f} s")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client:
            # The first pass also fills the server's per-record orjson cache; later passes read it warm.
            for label, page_size in (("cold", 1000), ("warm", 1000), ("warm", 50)):
                count, seconds = page_all(client, page_size)
                lines.append(
                    f"page_size={page_size:>4} ({label}): {count} records in {seconds:.2f} s"
                    f" = {count / seconds:,.0f} records/s"
                )
    finally:
        process.terminate()
        process.wait(timeout=30)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
