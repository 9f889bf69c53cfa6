"""Records the HRMS sent that do not fit the canonical model: kept aside with their reason, never lost.

A quarantined record does not stop its run (the run is reported `partial`). Its payload is stored
encrypted (it is HR data). A later run resolves it when a valid version of the record arrives — through
the change feed, or because the engine fetches open entries again by id — or when the HRMS says the record
is gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson
from django.utils import timezone

from ..errors import InvalidRecord
from .models import QuarantinedRecord

RETRY_PER_RUN = 100


def _external_id(error: InvalidRecord) -> str:
    if error.external_id:
        return error.external_id
    digest = hashlib.sha256(orjson.dumps(error.payload, default=str, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"unidentified:{digest[:24]}"


def _payload(value: Any) -> dict:
    return value if isinstance(value, dict) else {"raw": orjson.loads(orjson.dumps(value, default=str))}


def quarantine(organization_id: int, entity: str, run_id: int, errors: Iterable[InvalidRecord]) -> int:
    now = timezone.now()
    count = 0
    for error in errors:
        count += 1
        entry, created = QuarantinedRecord.objects.get_or_create(
            organization_id=organization_id,
            entity=entity,
            external_id=_external_id(error),
            defaults={"reason": error.reason, "payload": _payload(error.payload), "run_id": run_id},
        )
        if not created:
            entry.reason = error.reason
            entry.payload = _payload(error.payload)
            entry.last_seen_at = now
            entry.attempts += 1
            entry.run_id = run_id
            entry.resolved_at = None
            entry.save()
    return count


def resolve(organization_id: int, entity: str, external_ids: Iterable[str]) -> int:
    """Valid versions of these records were written: their quarantine entries are resolved."""
    ids = list(external_ids)
    if not ids:
        return 0
    return QuarantinedRecord.objects.filter(
        organization_id=organization_id, entity=entity, external_id__in=ids, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def open_ids(organization_id: int, entity: str, limit: int = RETRY_PER_RUN) -> list[str]:
    return list(
        QuarantinedRecord.objects.filter(organization_id=organization_id, entity=entity, resolved_at__isnull=True)
        .exclude(external_id__startswith="unidentified:")
        .order_by("last_seen_at")
        .values_list("external_id", flat=True)[:limit]
    )
