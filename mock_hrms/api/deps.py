"""Small FastAPI dependencies shared by the route modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from mock_hrms.world import World


async def get_world(request: Request) -> World:
    """The generated world this app serves (one per app; all access is on the event-loop thread).

    async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which would cost a thread
    hand-off per request and break the promise above.
    """
    return request.app.state.world


def casefold_equals(value: str | None) -> str | None:
    """A filter value normalised for case-insensitive exact matching (None stays None)."""
    return value.strip().casefold() if value is not None else None


def all_of(*predicates):
    """A `where` callable that is the conjunction of the non-None predicates, or None if there are none."""
    active = [p for p in predicates if p is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]
    return lambda record: all(p(record) for p in active)


def field_equals(name: str, value: object | None):
    """Predicate: record[name] == value (None value: no predicate)."""
    if value is None:
        return None
    return lambda record: record.get(name) == value


def field_iequals(name: str, value: str | None):
    """Predicate: record[name] equals value, case-insensitively (None value: no predicate)."""
    wanted = casefold_equals(value)
    if wanted is None:
        return None
    return lambda record: (record.get(name) or "").casefold() == wanted
