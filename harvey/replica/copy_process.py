"""A first sync's COPYs in a process of their own (copy_child.py), so PostgreSQL never waits for our GIL.

Why: a sync run has three threads in one interpreter (fetch and validate, prepare, commit; see
integrations/hrms/sync/pipeline.py). The committing thread needs the GIL for a moment after each of its round
trips, and gets it only when the two busy threads let go; PostgreSQL, whose COPY is the floor of a first sync,
idles meanwhile. A small child process that only sends prepared COPY data and commits has no one to wait
for.

What goes there: groups of pages whose records were all prepared for the first-sync COPY, with their
checkpoint (the caller's fenced UPDATE) in the same transaction — nearly every page of a first sync.
Everything else stays in the run's own transaction, after `finish` has collected what was sent. Writes are
pipelined: up to WINDOW transactions are on their way while the caller prepares the next; `write` returns the
outcomes that have arrived, in order.

The child needs a connection of its own, so it sees only committed rows: a test that keeps its data in an
open transaction turns this off (HARVEY_SYNC_COPY_PROCESS=0).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from .copy_child import HEAD

CHILD = Path(__file__).with_name("copy_child.py")
WINDOW = 3  # transactions sent and not answered yet
# libpq connection parameters passed on to the child (Django's others are Python objects: adapters, factories).
CONNECTION_KEYS = (
    "dbname", "user", "password", "host", "hostaddr", "port", "passfile", "service", "options", "application_name",
    "connect_timeout", "target_session_attrs", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl",
)  # fmt: skip


class CopyProcessError(Exception):
    """The COPY process failed or answered out of turn; the run fails and resumes from its checkpoint."""


def enabled(using: str = "default") -> bool:
    return bool(getattr(settings, "HARVEY_SYNC_COPY_PROCESS", 1)) and connections[using].vendor == "postgresql"


@dataclass
class Outcome:
    """What became of one `write`: "ok", or "lease_lost" / "conflict" / "error" (the first failure), or
    "skipped" (sent after a failure, not attempted). `item` is the caller's, handed back to redo it."""

    item: Any
    rows: int
    status: str
    message: str = ""


class CopyProcess:
    def __init__(self, using: str = "default") -> None:
        params = _connection_params(using)
        self._process = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._pending: deque[tuple[int, Any, int]] = deque()  # (seq, item, rows), in the order sent
        self._answers = b""
        self._seq = 0
        self._send({"op": "connect", "params": params}, b"")
        self._pending.append((-1, None, 0))  # the "connected" answer

    def write(
        self,
        item: Any,
        *,
        checkpoint: tuple[str, list[Any]],
        table: str,
        columns: list[str],
        payload: bytes,
        rows: int,
        analyze: bool = False,
    ) -> list[Outcome]:
        """Send one transaction (checkpoint, then COPY of `payload` into `table`); return what has been answered."""
        self._seq += 1
        cols = ", ".join(f'"{column}"' for column in columns)
        header = {
            "op": "write",
            "seq": self._seq,
            "checkpoint": checkpoint,
            "copy": f'COPY "{table}" ({cols}) FROM STDIN',
            "analyze": table if analyze else None,  # see ReplicaWriter._analyze_if_stale
            "rows": rows,
        }
        self._send(header, payload)
        self._pending.append((self._seq, item, rows))
        return self._collect(wait_for=max(len(self._pending) - WINDOW, 0))

    def finish(self) -> list[Outcome]:
        """Every outstanding answer, then the process ends."""
        outcomes = self._collect(wait_for=len(self._pending))
        self.close()
        return outcomes

    def kill(self) -> None:
        """End the process at once: a transaction it has not committed is rolled back."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """End the process: what it has received completely it may still commit (each transaction carries its
        own checkpoint), nothing else."""
        if self._process.poll() is None:
            try:
                self._send({"op": "close"}, b"")
                self._process.stdin.close()
                self._process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    # ------------------------------------------------------------------ the pipe

    def _send(self, header: dict[str, Any], payload: bytes) -> None:
        raw = json.dumps(header).encode()
        try:
            self._process.stdin.write(HEAD.pack(len(raw), len(payload)) + raw)
            self._process.stdin.write(payload)
            self._process.stdin.flush()
        except OSError as e:
            raise CopyProcessError(f"the COPY process is gone ({self._process.poll()})") from e

    def _collect(self, *, wait_for: int) -> list[Outcome]:
        """Read the answers that have arrived; block until at least `wait_for` have."""
        outcomes: list[Outcome] = []
        fd = self._process.stdout.fileno()
        answered = 0
        while self._pending:
            if b"\n" not in self._answers:
                blocking = answered < wait_for
                if not blocking and not select.select([fd], [], [], 0)[0]:
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise CopyProcessError(f"the COPY process ended unexpectedly ({self._process.wait()})")
                self._answers += chunk
                continue
            line, self._answers = self._answers.split(b"\n", 1)
            answer = json.loads(line)
            seq, item, rows = self._pending.popleft()
            answered += 1
            if seq == -1:
                continue  # connected
            if answer.get("seq") != seq:
                raise CopyProcessError(f"the COPY process answered {answer.get('seq')} for {seq}")
            outcomes.append(Outcome(item, rows, answer["status"], answer.get("message", "")))
        return outcomes


def _connection_params(using: str) -> dict[str, Any]:
    """The run's own connection settings (Django's), as plain values for psycopg.connect in the child."""
    params = connections[using].get_connection_params()
    if "database" in params and "dbname" not in params:
        params["dbname"] = params.pop("database")
    return {key: params[key] for key in CONNECTION_KEYS if params.get(key) not in (None, "")}
