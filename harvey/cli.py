"""The `harvey` console script: Django's management commands with Harvey's settings.

`harvey migrate`, `harvey createsuperuser`, `harvey connect ...`, `harvey sync-status`: commands are named
with hyphens everywhere (the listing of `harvey help`, `harvey help sync-status`); each is found under its
module name with underscores, which is also accepted.

A database, Redis or broker that cannot be reached — at start or in the middle of a command — is reported
in one line naming the service (never its password), with exit code 4 (harvey/exits.py), not a traceback.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from django.core.management import ManagementUtility

from harvey.exits import Exit


def command_name(word: str) -> str:
    """`sync-status` -> `sync_status` (the module's name); options and plain words pass unchanged."""
    return word if word.startswith("-") else word.replace("-", "_")


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")
    from django.core import management

    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = command_name(args[0])
    if len(args) > 1 and args[0] == "help":
        args[1] = command_name(args[1])
    try:
        if args in ([], ["help"], ["--help"], ["-h"]):
            HarveyUtility(["harvey", *args]).list_commands()
        else:
            management.execute_from_command_line(["harvey", *args])
    except Exception as e:
        unreachable = unreachable_service(e)
        if unreachable is None:
            raise
        sys.stderr.write(f"harvey: {unreachable}\n")
        sys.exit(Exit.UNAVAILABLE)


class HarveyUtility(ManagementUtility):
    """Django's command-line utility, listing commands by the hyphenated names people type."""

    def list_commands(self) -> None:
        import django

        django.setup()
        sys.stdout.write(self.main_help_text() + "\n")

    def main_help_text(self, commands_only: bool = False) -> str:
        text = super().main_help_text(commands_only)
        lines = []
        for line in text.splitlines():
            name = line.strip()
            # Command lines are indented names; headings ("[harvey_sync]") and prose are left alone.
            if (line.startswith(" ") and name and " " not in name) or commands_only:
                line = line.replace(name, name.replace("_", "-"))
            lines.append(line)
        return "\n".join(lines)


def unreachable_service(error: BaseException) -> str | None:
    """A sentence naming the service `error` (or an error it was raised from) says is unreachable, or None."""
    from django.db import InterfaceError, OperationalError

    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        kind = _kind(error, OperationalError, InterfaceError)
        if kind is not None and "no such table" in str(error):  # SQLite's answer before `harvey migrate`
            return f"{kind} has no Harvey tables yet: run `harvey migrate` first ({_first_line(error)})"
        if kind is not None:
            return f"cannot reach {kind}: {_first_line(error)}"
        error = error.__cause__ or error.__context__
    return None


def _kind(error: BaseException, db_operational: type, db_interface: type) -> str | None:
    if isinstance(error, db_operational | db_interface):
        return f"the database ({_database_where()})"
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        redis = None
    if redis is not None and isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return f"Redis ({_redis_where()})"
    try:
        from kombu.exceptions import OperationalError as BrokerError
    except ImportError:  # pragma: no cover - kombu comes with celery
        return None
    if isinstance(error, BrokerError):
        return f"the Celery broker ({_redis_where()})"
    return None


def _database_where() -> str:
    from django.conf import settings

    config = settings.DATABASES["default"]
    if "sqlite" in config["ENGINE"]:
        return f"SQLite at {config['NAME']}"
    return f"PostgreSQL at {config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"


def _redis_where() -> str:
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", "") or os.environ.get("REDIS_URL", "")
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else "not configured"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


if __name__ == "__main__":
    main()
