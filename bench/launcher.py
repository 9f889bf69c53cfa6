"""Run commands for a benchmark and report each one's own peak memory and CPU (`python bench/launcher.py`).

A benchmark's parent process holds large test data (100,000 records to digest). On Linux a child forked
from it starts life with the parent's high-water mark: `ru_maxrss` of every `harvey sync` would read as
the parent's 700 MB. So commands are started by this small process instead, started before the parent grew:
it reads one JSON request per line on stdin (`{"argv": [...], "env": {...}, "cwd": "..."}`) and answers one
JSON line on stdout: exit code, wall seconds, peak RSS (MB) and CPU seconds of the command and of the
children it waited for (os.wait4), and what it printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time


def run(request: dict) -> dict:
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            request["argv"], env=request["env"], cwd=request.get("cwd"), stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        output.seek(0)
        printed = output.read().decode(errors="replace")
    return {
        "code": os.waitstatus_to_exitcode(status),
        "wall": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "output": printed,
    }


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
