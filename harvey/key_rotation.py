"""Re-encrypt every `EncryptedJSONField` column with the primary key (`harvey rotate-keys`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from harvey.crypto import EncryptedJSONField, rotate_token

logger = logging.getLogger("harvey.crypto")

BATCH_SIZE = 500


@dataclass(frozen=True)
class RotatedColumn:
    label: str  # "app.Model.field"
    rows: int


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedJSONField]]:
    """Every concrete model field that stores an encrypted value, across all installed apps."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedJSONField)
    ]


def rotate_all_encrypted_columns(batch_size: int = BATCH_SIZE) -> list[RotatedColumn]:
    """Rotate every encrypted value to the primary key, batch by batch, each batch in a transaction.

    Tokens are read raw (cast to text, so the field does not decrypt them) and written back raw (an
    expression, so the field does not encrypt them again); rows are locked while a batch is rewritten.
    Plaintext never leaves `MultiFernet.rotate`.
    """
    results = []
    for model, field in encrypted_columns():
        manager = model._base_manager
        pks = list(manager.filter(**{f"{field.name}__isnull": False}).values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                raw_rows = (
                    manager.select_for_update()
                    .filter(pk__in=pks[start : start + batch_size])
                    .annotate(_token=Cast(field.name, models.TextField()))
                    .values_list("pk", "_token")
                )
                for pk, token in raw_rows:
                    if token is None:
                        continue
                    rotated = models.Value(rotate_token(token), output_field=models.TextField())
                    manager.filter(pk=pk).update(**{field.attname: rotated})
        label = f"{model._meta.label}.{field.name}"
        logger.info("harvey.crypto.column_rotated", extra={"column": label, "rows": len(pks)})
        results.append(RotatedColumn(label=label, rows=len(pks)))
    return results
