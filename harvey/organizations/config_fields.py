"""Form fields drawn from an adapter's configuration schema (Saleor-style: the schema drives the form).

Each field of the provider's pydantic `config_schema` (except `base_url`, which is a column of the
integration) becomes a form field named `config_<name>`. `SecretStr` fields are write-only password inputs:
never rendered, blank keeps what is stored. Other values are shown as stored.
"""

from __future__ import annotations

import typing
from typing import Any

from django import forms
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

PREFIX = "config_"
SKIPPED = frozenset({"base_url"})


def is_secret(info: FieldInfo) -> bool:
    annotation = info.annotation
    return (
        annotation is SecretStr
        or SecretStr in typing.get_args(annotation)
        or bool((info.json_schema_extra or {}).get("secret") if isinstance(info.json_schema_extra, dict) else False)
    )


def schema_fields(schema: type[BaseModel], stored: dict[str, Any]) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for name, info in schema.model_fields.items():
        if name in SKIPPED:
            continue
        label = name.replace("_", " ").capitalize()
        help_text = info.description or ""
        if is_secret(info):
            fields[PREFIX + name] = forms.CharField(
                label=label,
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=(help_text + " " if help_text else "")
                + ("Stored; leave blank to keep it." if stored.get(name) else "Secret: never shown again."),
            )
        elif info.annotation is bool:
            fields[PREFIX + name] = forms.BooleanField(
                label=label, required=False, initial=stored.get(name, info.default), help_text=help_text
            )
        else:
            default = None if info.is_required() else info.default
            fields[PREFIX + name] = forms.CharField(
                label=label, required=False, initial=stored.get(name, default), help_text=help_text
            )
    return fields


def submitted_values(cleaned: dict[str, Any], schema: type[BaseModel]) -> dict[str, Any]:
    """Credential updates from a submitted form: blank secrets and blank optional values keep what is stored."""
    values: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        key = PREFIX + name
        if key not in cleaned:
            continue
        value = cleaned[key]
        if value in ("", None) and (is_secret(info) or not info.is_required()):
            continue
        values[name] = value
    return values
