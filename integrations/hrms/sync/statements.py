"""Row statements of the ledger's hot path, built once per process instead of once per call.

Every run — also the thousands that find nothing to do — inserts its SyncRun, moves its SyncState twice
and closes its SyncRun. Building those statements with the ORM (query objects, compilers, expressions)
cost about 0.5 ms of CPU each, more than a no-change run spends on its HTTP request. These helpers write
the same SQL the ORM would, with values prepared by the model's own fields (`get_db_prep_save`: JSON,
aware datetimes, on PostgreSQL and SQLite alike), and keep the SQL text per model and column list.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import connection, models


def insert(instance: models.Model) -> None:
    """INSERT `instance` (every concrete field but the auto primary key) and set its primary key."""
    model = type(instance)
    fields = _insert_fields(model)
    sql, returning = _insert_sql(model, connection.vendor, connection.features.can_return_columns_from_insert)
    values = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance._state.adding = False
    instance._state.db = connection.alias


def update(model: type[models.Model], pk: int, values: Mapping[str, Any], *, fence: int | None = None) -> int:
    """UPDATE the row `pk` (and, with `fence`, only while its fence is still that): field name -> value.
    Returns the number of rows changed (0: the row is gone, or its fence moved)."""
    with connection.cursor() as cursor:
        cursor.execute(*update_statement(model, pk, values, fence=fence))
        return cursor.rowcount


def update_statement(
    model: type[models.Model], pk: int, values: Mapping[str, Any], *, fence: int | None = None
) -> tuple[str, list[Any]]:
    """The SQL and parameters of `update`, for a caller that sends several statements at once."""
    names = tuple(values)
    meta = model._meta
    params = [meta.get_field(name).get_db_prep_save(values[name], connection) for name in names]
    params.append(pk)
    if fence is not None:
        params.append(fence)
    return _update_sql(model, names, fence is not None), params


@functools.cache
def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str, returning: bool) -> tuple[str, bool]:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    return (f"{sql} RETURNING {quote(model._meta.pk.column)}", True) if returning else (sql, False)


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], fenced: bool) -> str:
    quote = connection.ops.quote_name
    meta = model._meta
    sets = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    where = f"{quote(meta.pk.column)} = %s" + (f" AND {quote(meta.get_field('fence').column)} = %s" if fenced else "")
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {where}"
