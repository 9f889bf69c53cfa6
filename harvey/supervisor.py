"""Keep one child process running: start it, and start it again whenever it exits on its own.

`harvey worker` and `harvey beat` run Celery under this supervisor, so a worker that dies — an
unrecoverable error in Celery itself, the OOM killer, a crash in a C extension — is back within seconds,
whatever runs the command (systemd, a container, a terminal). A child that keeps dying is restarted less
and less often (capped exponential backoff), and a child that ran for a while starts the count afresh.
SIGTERM or SIGINT to the supervisor stops the child the polite way (Celery's warm shutdown: running tasks
finish) and then the supervisor; a second signal insists (SIGKILL).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

log = logging.getLogger("harvey.supervisor")

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
#: A child that ran this long was healthy: its next restart is immediate again.
HEALTHY_AFTER_SECONDS = 60.0


class Supervisor:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.restarts = 0
        self._sleep, self._clock = sleep, clock
        self._child: subprocess.Popen | None = None
        self._stopping = False

    def run(self) -> int:
        """Run until asked to stop; returns the exit code of the last child."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        backoff = FIRST_BACKOFF_SECONDS
        try:
            while True:
                started = self._clock()
                self._child = subprocess.Popen(self.argv, env=self.env, preexec_fn=_die_with_parent)
                log.info("harvey.supervisor.started", extra={"program": self.name, "child_pid": self._child.pid})
                code = self._wait()
                if self._stopping:
                    return code
                if self._clock() - started >= HEALTHY_AFTER_SECONDS:
                    backoff = FIRST_BACKOFF_SECONDS
                self.restarts += 1
                log.error(
                    "harvey.supervisor.restarting",
                    extra={"program": self.name, "exit_code": code, "restart_in": backoff, "restarts": self.restarts},
                )
                self._sleep(backoff)
                if self._stopping:
                    return code
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _wait(self) -> int:
        assert self._child is not None
        while True:
            try:
                return self._child.wait()
            except InterruptedError:  # pragma: no cover - PEP 475 retries wait() by itself
                continue

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        child = self._child
        if self._stopping and child is not None and child.poll() is None:
            child.kill()  # asked twice: do not wait for running tasks
            return
        self._stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be sent SIGTERM if the supervisor itself dies (even by SIGKILL),
    so no unsupervised worker is left running behind it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
