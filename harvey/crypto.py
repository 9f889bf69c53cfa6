"""Encryption at rest for secrets such as HRMS credentials.

Keys come from the environment as `HARVEY_ENCRYPTION_KEYS`: comma-separated Fernet keys, the first one
primary (it encrypts), the others only decrypt. Rotation is therefore: put a new key first, keep the old
one listed, run `harvey rotate-keys` (which re-encrypts every encrypted column with the primary key), then
drop the old key. `cryptography`'s MultiFernet does all of the cryptography; nothing here is hand-made.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class UnknownEncryptionKey(ImproperlyConfigured):
    """A stored value was encrypted with a key that is no longer listed in HARVEY_ENCRYPTION_KEYS."""


def parse_fernet_keys(raw: str | Iterable[str]) -> list[str]:
    """Split and validate a key list; the error names the bad entry's position, never its value."""
    keys = [key.strip() for key in (raw.split(",") if isinstance(raw, str) else raw) if key.strip()]
    if not keys:
        raise ImproperlyConfigured("HARVEY_ENCRYPTION_KEYS is empty: give at least one Fernet key.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError as e:
            raise ImproperlyConfigured(
                f"HARVEY_ENCRYPTION_KEYS entry {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes; make one with `Fernet.generate_key()`)."
            ) from e
    return keys


@functools.lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def get_multifernet() -> MultiFernet:
    """The MultiFernet of the current settings (cached per key list, so overriding settings works)."""
    return _multifernet(tuple(parse_fernet_keys(settings.HARVEY_ENCRYPTION_KEYS)))


def encrypt_json(value: Mapping[str, Any]) -> str:
    """Encrypt a JSON object with the primary key; the token is ASCII text."""
    plaintext = json.dumps(dict(value), separators=(",", ":"), sort_keys=True).encode("utf-8")
    return get_multifernet().encrypt(plaintext).decode("ascii")


def decrypt_json(token: str, *, what: str = "an encrypted value") -> SecretDict:
    """Decrypt a token made by `encrypt_json` with any listed key."""
    try:
        plaintext = get_multifernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError) as e:
        raise UnknownEncryptionKey(
            f"Cannot decrypt {what}: none of the keys in HARVEY_ENCRYPTION_KEYS opens it. Was a key "
            "removed before `harvey rotate-keys` re-encrypted the data with the new primary key?"
        ) from e
    return SecretDict(json.loads(plaintext))


def rotate_token(token: str) -> str:
    """Re-encrypt a token with the primary key, keeping its original timestamp (MultiFernet.rotate)."""
    try:
        return get_multifernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as e:
        raise UnknownEncryptionKey(
            "Cannot rotate a stored value: none of the keys in HARVEY_ENCRYPTION_KEYS opens it."
        ) from e


class SecretDict(dict):
    """A decrypted secret: an ordinary dict whose repr and str show key names only, never values.

    Tracebacks, debug pages and log lines that format it therefore cannot leak a credential.
    """

    def __repr__(self) -> str:
        return f"<SecretDict keys={sorted(self)!r}>"

    __str__ = __repr__


class EncryptedJSONField(models.TextField):
    """A JSON object stored as a Fernet token in a text column; a `SecretDict` in Python.

    The column never holds plaintext, so a database dump or a replica leaks nothing. Only `isnull`
    lookups are allowed: each encryption uses a fresh IV, so equality on ciphertext can never match.
    The field has no form field: forms that edit secrets must offer write-only inputs of their own.
    """

    description = "A JSON object encrypted with the keys of HARVEY_ENCRYPTION_KEYS"

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else "an encrypted field"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> SecretDict | None:
        if value is None:
            return None
        return decrypt_json(value, what=self._label())

    def to_python(self, value: Any) -> SecretDict | None:
        if value is None or isinstance(value, SecretDict):
            return value
        if isinstance(value, Mapping):
            return SecretDict(value)
        if isinstance(value, str):  # a token, e.g. from a serialized fixture
            return decrypt_json(value, what=self._label())
        raise TypeError(f"{self._label()} holds a JSON object, not {type(value).__name__}")

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise TypeError(f"{self._label()} holds a JSON object, not {type(value).__name__}")
        return encrypt_json(value)

    def value_to_string(self, obj: models.Model) -> str | None:
        """Serialize (dumpdata) as the token, so exported data stays encrypted."""
        return self.get_prep_value(self.value_from_object(obj))

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def formfield(self, **kwargs: Any) -> None:
        return None
