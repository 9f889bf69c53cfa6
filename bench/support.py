"""What the benchmarks share: a free port, a fresh database, the machine's CPU counters."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dj_database_url
import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `base_url`; return its URL."""
    config = dj_database_url.parse(base_url)
    server = f"{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgres://{server}/{name}"


def machine_cpu() -> tuple[float, float]:
    """Seconds of CPU time the whole machine spent busy and idle since boot, over all cores (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / ticks, idle / ticks
