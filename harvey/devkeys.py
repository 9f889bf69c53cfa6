"""Development keys, generated once and kept under `var/`, so the embedded default needs no set-up.

Production never reaches this module: with `HARVEY_ENV=production` a missing key is a configuration
error (see `harvey.environment`). In development a fresh clone must still run `./dev demo` and keep
reading what it encrypted yesterday, so the generated keys are persisted, readable only by their owner.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

logger = logging.getLogger("harvey.settings")

DEV_KEYS_FILENAME = "dev-keys.json"


@dataclass(frozen=True)
class DevKeys:
    secret_key: str
    encryption_keys: tuple[str, ...]


def load_or_create_dev_keys(var_dir: Path) -> DevKeys:
    """Read `var/dev-keys.json`, creating it on first use.

    Creation is atomic and exclusive (write a temporary file, then hard-link it into place), so two
    processes starting at once — two pytest-xdist workers, a web process and a worker — agree on one set
    of keys instead of each encrypting with its own.
    """
    path = var_dir / DEV_KEYS_FILENAME
    if not path.exists():
        _create_exclusively(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return DevKeys(secret_key=data["secret_key"], encryption_keys=tuple(data["encryption_keys"]))


def _create_exclusively(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "secret_key": secrets.token_urlsafe(50),
        "encryption_keys": [Fernet.generate_key().decode("ascii")],
    }
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".dev-keys-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.chmod(tmp_name, 0o600)
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return  # another process won the race; its keys are the ones to use
    finally:
        os.unlink(tmp_name)
    # Logging is not configured yet while settings load, so the context goes into the message itself.
    logger.warning(
        "harvey.settings.dev_keys_generated path=%s (development keys; set HARVEY_SECRET_KEY and "
        "HARVEY_ENCRYPTION_KEYS, and HARVEY_ENV=production, for a real deployment)",
        path,
    )
