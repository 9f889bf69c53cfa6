"""Mapping helpers every vendor's mappers share: validate into the canonical model, build record pages.

A vendor mapper is a pure function `to_canonical_<entity>(raw) -> canonical record` that renames and
converts, then calls `validate_record`, which turns a pydantic failure into `InvalidRecord` (payload plus a
readable reason) so the sync engine quarantines that one record and carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from hrmodel import canonical as c

from .base import RecordPage
from .errors import HRMSError, InvalidRecord

M = TypeVar("M", bound=BaseModel)


def describe_validation_error(error: ValidationError) -> str:
    """`field.sub: problem; other: problem` — short enough for an admin screen, no input values echoed."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def validate_record(entity: str, schema: type[M], values: Mapping[str, Any], *, raw: Any = None) -> M:
    """`schema` validated from `values`; on failure InvalidRecord carrying `raw` (default: `values`)."""
    try:
        return schema.model_validate(values)
    except ValidationError as e:
        external_id = values.get("id") if isinstance(values, Mapping) else None
        raise InvalidRecord(
            entity,
            raw if raw is not None else values,
            describe_validation_error(e),
            external_id=str(external_id) if external_id is not None else None,
        ) from e


def is_tombstone(raw: Mapping[str, Any]) -> bool:
    return raw.get("deleted") is True


# Records validated per call. One call for a 1,000-record page holds the GIL for several milliseconds, which
# the sync's writer thread would spend waiting to send its next statement; 100 costs nothing measurable.
VALIDATE_CHUNK = 100


def build_page_from_json(
    entity: str,
    content: bytes,
    to_canonical: Callable[[Mapping[str, Any]], Any],
    *,
    schema: type[BaseModel] | None,
    cursor_key: str = "next_cursor",
) -> RecordPage:
    """A page of the canonical envelope (`{"data": [...], "<cursor_key>": ...}`) straight from its bytes.

    When no item is a tombstone and every record is valid — nearly every page — pydantic validates the
    whole body from JSON in one pass: no dict per record is built only to be validated and dropped, which
    is a quarter of a sync's parsing time. Otherwise (a tombstone, a bad record, a body that is not this
    envelope) the body is parsed and sorted by `build_page`, so nothing is decided differently. A body that
    mentions "deleted" at all takes that path: a tombstone must never pass as a live record.
    """
    if schema is not None and b'"deleted"' not in content:
        try:
            envelope = _envelope_validator(schema, cursor_key).validate_json(content)
        except ValidationError:
            pass
        else:
            records = envelope.data
            cursor = getattr(envelope, cursor_key)
            return RecordPage(entity, records=records, cursor=str(cursor) if cursor else None, fetched=len(records))
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError as e:
        raise HRMSError("the HRMS answered with a body that is not JSON") from e
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise HRMSError("the HRMS answered with a body that is not a page (no `data` list)")
    cursor = body.get(cursor_key)
    return build_page(entity, body["data"], to_canonical, cursor=str(cursor) if cursor else None, schema=schema)


@cache
def _envelope_validator(schema: type[BaseModel], cursor_key: str) -> TypeAdapter:
    envelope = create_model(
        f"{schema.__name__}Page",
        __config__=ConfigDict(extra="ignore"),
        data=(list[schema], ...),
        **{cursor_key: (str | int | None, None)},
    )
    return TypeAdapter(envelope)


@cache
def _list_validator(schema: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[schema])


def build_page(
    entity: str,
    items: Iterable[Mapping[str, Any]],
    to_canonical: Callable[[Mapping[str, Any]], Any],
    *,
    cursor: str | None,
    tombstone: Callable[[Mapping[str, Any]], bool] = is_tombstone,
    schema: type[BaseModel] | None = None,
) -> RecordPage:
    """Sort one page of raw items into valid records, tombstones and invalid records.

    With `schema` (an adapter whose `to_canonical` is plain validation against it), the page's records are
    validated a chunk per call — a third cheaper than one call per record; only a chunk that fails is
    validated again record by record, so InvalidRecord still names the bad record and the rest goes on.
    """
    page: RecordPage = RecordPage(entity, cursor=cursor)
    raws: list[Mapping[str, Any]] = []
    for raw in items:
        page.fetched += 1
        if tombstone(raw):
            try:
                page.tombstones.append(validate_record(entity, c.Tombstone, raw))
            except InvalidRecord as e:
                page.invalid.append(e)
        else:
            raws.append(raw)
    if schema is None:
        _validate_each(raws, to_canonical, page)
        return page
    validator = _list_validator(schema)
    for start in range(0, len(raws), VALIDATE_CHUNK):
        chunk = raws[start : start + VALIDATE_CHUNK]
        try:
            page.records.extend(validator.validate_python(chunk))
        except ValidationError:  # a bad record: validate this chunk one by one to name it
            _validate_each(chunk, to_canonical, page)
    return page


def _validate_each(raws: Iterable[Mapping[str, Any]], to_canonical: Callable[[Mapping[str, Any]], Any], page) -> None:
    for raw in raws:
        try:
            page.records.append(to_canonical(raw))
        except InvalidRecord as e:
            page.invalid.append(e)
