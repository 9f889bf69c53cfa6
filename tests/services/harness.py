"""Real processes for the services tests: mock HRMS servers, Celery workers, beat — and the replica check.

Everything runs as a subprocess in its own session, so a test can SIGKILL a worker exactly as an OOM killer
or a lost machine would, and nothing leaks into the pytest process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from mock_hrms.api import DEFAULT_CONTROL_TOKEN, DEFAULT_TOKEN

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = "condition") -> Any:
    """Poll until `condition()` is truthy and return its value; fail the test with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Process:
    """A subprocess in its own session (so the whole group can be signalled), output kept in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and its children: no cleanup, no acknowledgements, no lease release."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._log.close()

    def stop(self) -> None:
        """Ask politely (SIGTERM: a Celery worker finishes its task), then insist."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._log.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


class MockHRMSProcess(Process):
    """`python -m mock_hrms` over real HTTP, with a control client for faults, simulation and tokens."""

    def __init__(self, log_dir: Path, *, employees: int, seed: int = 42) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.token = DEFAULT_TOKEN
        argv = [sys.executable, "-m", "mock_hrms", "--port", str(self.port), "--employees", str(employees)]
        argv += ["--seed", str(seed), "--log-level", "warning"]
        super().__init__(f"mock-hrms-{self.port}", argv, dict(os.environ), log_dir)
        self.control = httpx.Client(
            base_url=f"{self.base_url}/_control",
            headers={"Authorization": f"Bearer {DEFAULT_CONTROL_TOKEN}"},
            timeout=30,
        )
        wait_until(self._ready, timeout=START_TIMEOUT_SECONDS, what=f"{self.name} to serve")

    def _ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"{self.name} exited:\n{self.tail()}")
        try:
            return self.control.get("/stats").status_code == 200
        except httpx.TransportError:
            return False

    def put_faults(self, config: dict) -> None:
        self.control.put("/faults", json=config).raise_for_status()

    def clear_faults(self) -> None:
        self.control.delete("/faults").raise_for_status()

    def simulate(self, count: int, seed: int) -> None:
        self.control.post("/simulate", json={"count": count, "seed": seed}).raise_for_status()

    def rotate_token(self, token: str) -> None:
        self.token = self.control.put("/token", json={"token": token}).raise_for_status().json()["token"]

    def records(self, entity: str) -> dict[str, tuple]:
        """Every live record of `entity` as the HRMS serves it: id -> (updated_at, digest of the record)."""
        path = "/api/v1/" + entity.replace("_", "-")
        records: dict[str, tuple] = {}
        with httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}) as client:
            params: dict[str, Any] = {"page_size": 1000}
            while True:
                page = client.get(path, params=params, timeout=60).raise_for_status().json()
                for item in page["data"]:
                    records[item["id"]] = (_instant(item["updated_at"]), employee_digest(item))
                if not page.get("next_cursor"):
                    return records
                params["cursor"] = page["next_cursor"]

    def stop(self) -> None:
        self.control.close()
        super().stop()


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


DIGEST_FIELDS = ("first_name", "last_name", "email", "department_id", "manager_id", "employment_status", "job_title")


def employee_digest(values: dict) -> str:
    """A digest of the fields a sync must carry over unchanged (same on both sides of the comparison)."""
    text = "|".join(str(values.get(name) or "") for name in DIGEST_FIELDS)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def replica_employees(organization_id: int) -> dict[str, tuple]:
    """Live replica employees of the organization in the same shape as `MockHRMSProcess.records`."""
    from harvey.replica.models import Employee

    rows = Employee.objects.filter(organization_id=organization_id)
    rows = rows.values("external_id", "source_updated_at", *DIGEST_FIELDS)
    return {row["external_id"]: (row["source_updated_at"], employee_digest(row)) for row in rows}


def database_url(*, port: int | None = None) -> str:
    """The pytest-django test database as a URL, so worker subprocesses see exactly what the test sees
    (through `port` on loopback instead, when a test puts a TcpProxy in between)."""
    from django.db import connection

    config = connection.settings_dict
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    host = "127.0.0.1" if port else config["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{port or config['PORT'] or 5432}/{config['NAME']}"


def database_address() -> tuple[str, int]:
    from django.db import connection

    config = connection.settings_dict
    return config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)


def service_env(queue: str, **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="services.worker_settings",
        PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        HARVEY_SYNC_QUEUE=queue,
        HARVEY_DISPATCH_QUEUE=f"{queue}.dispatch",
        HARVEY_LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


class CeleryWorker(Process):
    """`celery -A harvey worker` on the test's queue: prefork with one child, so a task runs in a child."""

    def __init__(self, log_dir: Path, queue: str, env: dict[str, str]) -> None:
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
        argv = [sys.executable, "-m", "celery", "-A", "harvey", "worker", "-Q", f"{queue}.dispatch,{queue}"]
        argv += ["-n", self.hostname]
        argv += ["--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle"]
        argv += ["--loglevel", "WARNING"]
        super().__init__(self.hostname.split("@")[0], argv, env, log_dir)
        wait_until(self._ready, timeout=START_TIMEOUT_SECONDS, interval=0.5, what=f"worker {self.hostname}")

    def _ready(self) -> bool:
        from harvey.celery import app

        if not self.alive():
            raise AssertionError(f"worker {self.hostname} exited:\n{self.tail()}")
        return bool(app.control.ping(destination=[self.hostname], timeout=0.5))


class TcpProxy:
    """127.0.0.1:<port> forwarded to a target (PostgreSQL, say), in threads of the test process. `cut()` drops
    every connection at once and refuses new ones — the database "went away" for whoever connects through
    the proxy — and `restore()` accepts connections again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._threading = threading
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                self._threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class RedisServer(Process):
    """A private `redis-server` on a free port, nothing on disk: a test may stop it (an outage) and start it
    again (empty, as a Redis without persistence comes back) without touching the machine's own Redis."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log_dir = log_dir
        self._starts = 0
        self.start()

    def start(self) -> None:
        self._starts += 1
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        super().__init__(f"redis-{self.port}-{self._starts}", argv, dict(os.environ), self._log_dir)
        wait_until(self._ready, timeout=START_TIMEOUT_SECONDS, what=f"redis-server on {self.port}")

    def _ready(self) -> bool:
        import redis

        if not self.alive():
            raise AssertionError(f"{self.name} exited:\n{self.tail()}")
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


class HarveyProcess(Process):
    """A `harvey` command as an operator runs it (`harvey worker`, `harvey beat`, `harvey sync ...`)."""

    def __init__(self, log_dir: Path, args: list[str], env: dict[str, str]) -> None:
        argv = [sys.executable, "-c", "from harvey.cli import main; main()", *args]
        super().__init__(f"harvey-{args[0]}-{uuid.uuid4().hex[:6]}", argv, env, log_dir)

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout=timeout)
        self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class CeleryBeat(Process):
    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        schedule = log_dir / f"beat-{uuid.uuid4().hex[:8]}"
        argv = [sys.executable, "-m", "celery", "-A", "harvey", "beat", "-s", str(schedule), "--loglevel", "WARNING"]
        super().__init__(f"beat-{schedule.name}", argv, env, log_dir)
