"""Live progress of running syncs, in the cache, for the dashboard and `harvey sync-status`.

Only a view: the truth (counts, checkpoint) is in the database; losing this cache loses nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils import timezone

PROGRESS_TTL_SECONDS = 24 * 3600


def progress_key(organization_id: int, entity: str) -> str:
    return f"hrms:v1:org:{organization_id}:sync:{entity}:progress"


def publish(organization_id: int, entity: str, **values: Any) -> None:
    cache.set(
        progress_key(organization_id, entity),
        {**values, "updated_at": timezone.now().isoformat()},
        PROGRESS_TTL_SECONDS,
    )


def read(organization_id: int, entity: str) -> dict[str, Any] | None:
    return cache.get(progress_key(organization_id, entity))
