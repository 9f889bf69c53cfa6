"""Live progress of running syncs, in the cache, for the dashboard and `harvey sync-status`.

Only a view: the truth (counts, checkpoint) is in the database; losing this cache loses nothing. So it is
best effort: with the cache (Redis) down, a sync goes on without it — it must never fail a run, nor hide
the error a run is failing with.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.utils import timezone

PROGRESS_TTL_SECONDS = 24 * 3600


def progress_key(organization_id: int, entity: str) -> str:
    return f"hrms:v1:org:{organization_id}:sync:{entity}:progress"


log = logging.getLogger("hrms.sync")


def publish(organization_id: int, entity: str, **values: Any) -> None:
    try:
        cache.set(
            progress_key(organization_id, entity),
            {**values, "updated_at": timezone.now().isoformat()},
            PROGRESS_TTL_SECONDS,
        )
    except Exception as e:  # the cache backend's own errors (redis.ConnectionError, ...): a view, not the truth
        log.warning("hrms.sync.progress_unavailable", extra={"organization": organization_id, "error": str(e)[:200]})


def read(organization_id: int, entity: str) -> dict[str, Any] | None:
    try:
        return cache.get(progress_key(organization_id, entity))
    except Exception as e:
        log.warning("hrms.sync.progress_unavailable", extra={"organization": organization_id, "error": str(e)[:200]})
        return None
