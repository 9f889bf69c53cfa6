"""Serve an ASGI app over real HTTP from a background thread, on a free loopback port.

The demo starts the mock HRMS this way (no second terminal, no fixed port to collide with), and tests use
it for suites that must cross a real socket.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

START_TIMEOUT_SECONDS = 30


class BackgroundServer:
    """`with BackgroundServer(app) as server: server.base_url` -> `http://127.0.0.1:<port>`."""

    def __init__(self, app: object, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BackgroundServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name="mock-hrms-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)
        self.base_url = f"http://{self.host}:{port}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
