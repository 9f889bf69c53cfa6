"""Canonical records straight to replica value tuples: the sync's hot path, without `model_dump`.

`canonical_to_rows` (registry) is the readable definition of record -> row: dump the record twice (python and
JSON mode), rename `id`/`updated_at`, keep the model's columns. At 100,000 records a run that costs more than
all of PostgreSQL's work. A `RowPlan` computes the same values once per schema: plain columns are read from
the validated record's `__dict__` with one `itemgetter` call, JSON columns are converted per field (a
`list[str]` needs nothing; anything nested goes through the field's own pydantic serializer, exactly what
`model_dump(mode="json")` would give), and columns the schema lacks take the model default, as `upsert` does.

The column order is the plan's own (fixed, plain, JSON, defaulted): COPY and INSERT name their columns, so
no reordering per row is needed.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter

RENAMED = {"external_id": "id", "source_updated_at": "updated_at"}  # column -> canonical field


class RowPlan:
    """Value tuples for `schema` records, in `self.columns` order (see the module doc)."""

    def __init__(
        self,
        schema: type[BaseModel],
        columns: Sequence[str],
        *,
        fixed: Sequence[str],
        json_columns: Iterable[str],
        defaults: Mapping[str, Any],
        json_text: bool,
    ) -> None:
        json_columns = set(json_columns)
        fields = schema.model_fields
        self.fixed = tuple(fixed)
        plain: list[tuple[str, str]] = []
        as_json: list[tuple[str, str]] = []
        missing: list[str] = []
        for column in columns:
            if column in self.fixed:
                continue
            name = RENAMED.get(column, column)
            if name not in fields:
                missing.append(column)
            elif column in json_columns:
                as_json.append((column, name))
            else:
                plain.append((column, name))
        self.columns: tuple[str, ...] = (*self.fixed, *(c for c, _ in plain), *(c for c, _ in as_json), *missing)
        self._plain = _tuple_getter([name for _, name in plain])
        self._json = [(name, _json_converter(fields[name].annotation, json_text)) for _, name in as_json]
        self._missing = tuple(_dump(defaults[c]) if json_text and c in json_columns else defaults[c] for c in missing)

    def rows(self, records: Iterable[BaseModel], fixed_values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """One tuple per record; `fixed_values` fill the fixed columns (organization, synced_at, ...)."""
        head = tuple(fixed_values)
        tail = self._missing
        plain = self._plain
        converters = self._json
        out = []
        for record in records:
            values = record.__dict__
            out.append(head + plain(values) + tuple(convert(values[name]) for name, convert in converters) + tail)
        return out


def _tuple_getter(names: list[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if not names:
        return lambda values: ()
    if len(names) == 1:
        name = names[0]
        return lambda values: (values[name],)
    return itemgetter(*names)


def _dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_converter(annotation: Any, json_text: bool) -> Callable[[Any], Any]:
    """What `model_dump(mode="json")` gives for one field (as JSON text when `json_text`)."""
    if _is_plain_json(annotation):
        return _dump if json_text else _identity
    adapter = TypeAdapter(annotation)

    def convert(value: Any) -> Any:
        data = adapter.dump_python(value, mode="json")
        return _dump(data) if json_text else data

    return convert


def _identity(value: Any) -> Any:
    return value


_SCALARS = (str, int, float, bool, type(None))


def _is_plain_json(annotation: Any) -> bool:
    """True when a value of this type is already JSON-ready (str, numbers, lists/dicts of them)."""
    if annotation in _SCALARS:
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return all(_is_plain_json(arg) for arg in args)
    if origin is list:
        return all(_is_plain_json(arg) for arg in args)
    if origin is dict:
        return bool(args) and args[0] is str and _is_plain_json(args[1])
    return False
