"""How long a 100k-employee mock HRMS world takes to generate, and how much memory it holds.

Run: ./dev bench mock_world_generate [--employees N] [--repeat R]
Prints and writes bench/results/mock_world_generate.txt. Wall time is the best of R runs (the machine is
shared, so the minimum is the honest figure); peak memory is the process's max RSS after the runs, plus
a tracemalloc peak of one extra run (Python allocations only, measured separately because tracing
slows generation down several times).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import resource
import time
import tracemalloc
from pathlib import Path

from mock_hrms.world import generate_world

RESULTS = Path(__file__).parent / "results" / "mock_world_generate.txt"
REFERENCE_DATE = dt.date(2026, 3, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()

    walls, cpus, sizes = [], [], {}
    for _ in range(args.repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        world = generate_world(seed=42, employees=args.employees, reference_date=REFERENCE_DATE)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        sizes = {entity: len(table) for entity, table in world.tables.items()}
        del world
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    traced_peak_mb = None
    if not args.no_tracemalloc:
        gc.collect()
        tracemalloc.start()
        world = generate_world(seed=42, employees=args.employees, reference_date=REFERENCE_DATE)
        traced_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        del world

    lines = [
        f"mock_world_generate  {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  python {platform.python_version()}"
        f"  cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}",
        f"employees={args.employees}  records: " + ", ".join(f"{k}={v}" for k, v in sizes.items()),
        f"wall seconds: best {min(walls):.2f}  all {' '.join(f'{w:.2f}' for w in walls)}",
        f"cpu seconds:  best {min(cpus):.2f}  all {' '.join(f'{c:.2f}' for c in cpus)}",
        f"peak RSS: {max_rss_mb:.0f} MiB",
    ]
    if traced_peak_mb is not None:
        lines.append(f"tracemalloc peak (one run): {traced_peak_mb:.0f} MiB")
    report = "\n".join(lines)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report + "\n")


if __name__ == "__main__":
    main()
