"""World ids ↔ BambooHR ids, both ways, in one place.

BambooHR ids are numeric strings ("42"); the world's are prefixed and zero-padded ("EMP00042"). The number is
the same, so `to_bamboo("EMP00042") == "42"` and `to_world("employees", "42") == "EMP00042"`. Padding width is
whatever the stored id uses (large worlds pad wider), found by trying widths from the entity's minimum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_hrms.world.world import ID_FORMATS

if TYPE_CHECKING:
    from mock_hrms.world import World

_MAX_DIGITS = 12


def to_bamboo(world_id: str) -> str:
    """ "EMP00042" -> "42" (any world entity)."""
    digits = world_id.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return str(int(digits))


def to_world(world: World, entity: str, bamboo_id: str | int) -> str | None:
    """ "42" -> "EMP00042" if such a record (live or deleted) exists in `entity`; None otherwise."""
    text = str(bamboo_id).strip()
    if not text.isdigit() or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    prefix, minimum = ID_FORMATS[entity]
    table = world.tables[entity]
    for width in range(minimum, _MAX_DIGITS + 1):
        candidate = f"{prefix}{number:0{width}d}"
        if table.get_any(candidate) is not None:
            return candidate
    return None
