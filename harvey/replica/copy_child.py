"""The COPY process of a first sync: one transaction per frame — fenced checkpoint, COPY, commit.

Started by `copy_process.CopyProcess` as `python copy_child.py` (a script, so it imports psycopg and nothing of
Harvey or Django: it starts in a fraction of a second). It reads frames from stdin and answers each with one
JSON line on stdout:

    frame  = !II (header length, payload length) + header (JSON) + payload (COPY text data)
    header = {"op": "connect", "params": {...}}                     -> {"op": "connected"}
           | {"op": "write", "seq": n, "checkpoint": [sql, params], "copy": sql, "analyze": table | null}
                                                                    -> {"seq": n, "status": "ok" | ...}
           | {"op": "close"}                                        -> exits

A write commits its COPY and its checkpoint together or not at all. The first failure ("lease_lost" when the
fenced UPDATE finds no row, "conflict" on a key already stored, "error" otherwise) is sticky: every later
write is answered "skipped" without touching the database, so the parent can redo them in order. End of
input (the parent finished, or died) ends the process; a half-received frame is never committed.
"""

from __future__ import annotations

import contextlib
import json
import struct
import sys
from typing import IO, Any

import psycopg
from psycopg import errors

HEAD = struct.Struct("!II")


def read_exact(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size) if size else b""
    return data if len(data) == size else None


def write_one(conn: psycopg.Connection, header: dict[str, Any], payload: bytes) -> str:
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")  # see ledger.checkpoint: page and checkpoint go together
        sql, params = header["checkpoint"]
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise LeaseLost
        with cursor.copy(header["copy"]) as copy:
            copy.write(payload)
        if header.get("analyze"):
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [header["analyze"]])
            (estimate,) = cursor.fetchone()
            if estimate < header["rows"]:
                cursor.execute(f'ANALYZE "{header["analyze"]}"')  # a table name from the parent, not from data
    return "ok"


class LeaseLost(Exception):
    pass


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout
    conn: psycopg.Connection | None = None
    failed = False
    while True:
        head = read_exact(stdin, HEAD.size)
        if head is None:
            return
        header_size, payload_size = HEAD.unpack(head)
        raw_header, payload = read_exact(stdin, header_size), read_exact(stdin, payload_size)
        if raw_header is None or payload is None:
            return
        header = json.loads(raw_header)
        if header["op"] == "close":
            return
        if header["op"] == "connect":
            conn = psycopg.connect(**header["params"])
            answer: dict[str, Any] = {"op": "connected"}
        elif failed:
            answer = {"seq": header["seq"], "status": "skipped"}
        else:
            try:
                answer = {"seq": header["seq"], "status": write_one(conn, header, payload)}
            except LeaseLost:
                answer = {"seq": header["seq"], "status": "lease_lost"}
            except errors.UniqueViolation as e:
                answer = {"seq": header["seq"], "status": "conflict", "message": str(e)}
            except psycopg.Error as e:
                answer = {"seq": header["seq"], "status": "error", "message": f"{type(e).__name__}: {e}"}
            failed = answer["status"] != "ok"
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        main()
