"""The supervisor keeps a worker or beat running: restarted when it dies, stopped when asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from harvey.supervisor import FIRST_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS, Supervisor


def _child_that_dies(times: int, counter: Path) -> list[str]:
    """A child that exits with code 7 `times` times, then exits 0 after asking its supervisor to stop."""
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        path = {str(counter)!r}
        n = int(open(path).read()) if os.path.exists(path) else 0
        open(path, "w").write(str(n + 1))
        if n < {times}:
            sys.exit(7)
        os.kill(os.getppid(), signal.SIGTERM)
        """
    )
    return [sys.executable, "-c", code]


def test_a_child_that_dies_is_started_again_with_growing_waits(tmp_path):
    waits: list[float] = []
    supervisor = Supervisor("worker", _child_that_dies(6, tmp_path / "n"), sleep=waits.append)
    supervisor.run()
    assert supervisor.restarts == 6
    assert (tmp_path / "n").read_text() == "7"
    assert waits[0] == FIRST_BACKOFF_SECONDS
    assert waits == sorted(waits)
    assert max(waits) <= MAX_BACKOFF_SECONDS


def test_a_stop_signal_stops_the_child_politely_and_then_the_supervisor(tmp_path):
    marker = tmp_path / "stopped"
    child = textwrap.dedent(
        f"""
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: (open({str(marker)!r}, "w").write("term"), sys.exit(0)))
        time.sleep(60)
        """
    )
    argv = [sys.executable, "-c", child]
    script = f"from harvey.supervisor import Supervisor; import sys; sys.exit(Supervisor('w', {argv!r}).run())"
    process = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2])
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert marker.read_text() == "term"


def test_a_supervised_child_dies_with_its_supervisor(tmp_path):
    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    script = f"from harvey.supervisor import Supervisor; Supervisor('w', {[sys.executable, '-c', child]!r}).run()"
    process = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 20
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    process.kill()  # SIGKILL: the supervisor gets no chance to clean up
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "an unsupervised worker was left running"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}/status").exists() else ""
    return "State:\tZ" not in status
