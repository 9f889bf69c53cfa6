"""Small helpers on record dicts shared by the world, its writes and the simulation."""

from __future__ import annotations

import datetime as dt


def full_name(record: dict) -> str:
    """ "First Last" of an employee or candidate record."""
    return f"{record['first_name']} {record['last_name']}".strip()


def changed(record: dict, updated_at: str, **fields: object) -> dict:
    """A copy of `record` with `fields` replaced and a new updated_at (tables' records are read-only)."""
    return {**record, **fields, "updated_at": updated_at}


def as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
