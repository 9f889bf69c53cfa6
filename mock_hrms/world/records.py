"""Small helpers on record dicts shared by the world, its writes and the simulation."""

from __future__ import annotations


def full_name(record: dict) -> str:
    """The display name of an employee or candidate: first and last name."""
    return f"{record['first_name']} {record['last_name']}".strip()


def changed(record: dict, updated_at: str, **fields: object) -> dict:
    """A copy of `record` with `fields` replaced and a new updated_at (tables' records are read-only)."""
    return {**record, **fields, "updated_at": updated_at}
