"""The `harvey` console script: Django's management commands with Harvey's settings.

`harvey migrate`, `harvey createsuperuser`, `harvey connect ...`, `harvey rotate-keys`: a command may be
typed with hyphens; it is found under its module name with underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["harvey", *args])


if __name__ == "__main__":
    main()
