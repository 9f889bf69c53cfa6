"""Which replica model holds which canonical entity, and how a canonical record becomes a row.

`canonical_to_row` is pure (no database): it renames `id` -> `external_id` and `updated_at` ->
`source_updated_at`, dumps nested values (education, salary range, ...) as JSON-ready data, and keeps only
fields the model has. A sync stamps `organization`, `hrms_type` and `synced_at` itself. `REFERENCES` says
which foreign keys to resolve afterwards from which external-id column.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from pydantic import BaseModel

from hrmodel import canonical as c
from hrmodel import catalogue
from hrmodel.catalogue import Reference

from .models import Candidate, Department, Employee, Interview, JobRequisition, LeaveBalance, LeaveRequest

REPLICA_MODELS: dict[str, type[models.Model]] = {
    "departments": Department,
    "employees": Employee,
    "job_requisitions": JobRequisition,
    "candidates": Candidate,
    "interviews": Interview,
    "leave_requests": LeaveRequest,
    "leave_balances": LeaveBalance,
}

RENAMED = {"id": "external_id", "updated_at": "source_updated_at"}


#: The references of each entity (the catalogue's), by entity name: which `<link>_ref` foreign key to resolve
#: from which external-id field.
REFERENCES: dict[str, tuple[Reference, ...]] = {entity.name: entity.references for entity in catalogue.ENTITIES}

_unmodelled = set(catalogue.NAMES) - set(REPLICA_MODELS)
if _unmodelled:  # a new catalogue entity needs its replica table
    raise ImproperlyConfigured(f"the replica has no model for {sorted(_unmodelled)}")


def replica_model(entity: str) -> type[models.Model]:
    try:
        return REPLICA_MODELS[entity]
    except KeyError:
        raise ValueError(f"Unknown entity {entity!r}; known: {', '.join(REPLICA_MODELS)}") from None


def _column_names(model: type[models.Model]) -> frozenset[str]:
    return frozenset(field.name for field in model._meta.concrete_fields if not field.is_relation)


def canonical_to_row(entity: str, record: BaseModel) -> dict[str, Any]:
    """The model field values of one canonical record (any entity except `leave_balances`).

    Only fields present on the record are returned, so a list-shape record (no detail fields) does not
    blank out detail columns a previous sync filled in.
    """
    if entity == "leave_balances":
        raise ValueError("a LeaveBalance holds one row per leave type; use canonical_to_rows()")
    model = replica_model(entity)
    columns = _column_names(model)
    python_values = record.model_dump(mode="python")
    json_values = record.model_dump(mode="json")
    row: dict[str, Any] = {}
    for name, value in python_values.items():
        column = RENAMED.get(name, name)
        if column not in columns:
            continue
        is_json = isinstance(model._meta.get_field(column), models.JSONField)
        row[column] = json_values[name] if is_json else value
    return row


def canonical_to_rows(entity: str, record: BaseModel) -> list[dict[str, Any]]:
    """The rows of one canonical record: one for most entities, one per leave type for a balance."""
    if entity != "leave_balances":
        return [canonical_to_row(entity, record)]
    if not isinstance(record, c.LeaveBalance):
        raise TypeError(f"leave_balances rows come from a LeaveBalance, not {type(record).__name__}")
    return [
        {
            "external_id": LeaveBalance.make_external_id(record.employee_id, record.year, entry.leave_type),
            "source_updated_at": record.updated_at,
            "employee_id": record.employee_id,
            "year": record.year,
            "leave_type": entry.leave_type,
            "total_allocated": entry.total_allocated,
            "used": entry.used,
            "pending": entry.pending,
            "available": entry.available,
        }
        for entry in record.leave_balances
    ]


def row_to_canonical(entity: str, instance: models.Model) -> BaseModel:
    """A replica row read back as its canonical detail record (what an HRMS detail endpoint would say)."""
    schema = catalogue.entity(entity).detail
    values: dict[str, Any] = {}
    for name in schema.model_fields:
        column = RENAMED.get(name, name)
        if hasattr(instance, column):
            values[name] = getattr(instance, column)
    return schema.model_validate(values)
