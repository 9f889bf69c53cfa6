"""The base of Harvey's management commands: shown under the hyphenated name people type.

`harvey sync-status --help` then says `usage: harvey sync-status ...`, as the README and `harvey help` do;
Django finds the command by its module name (`sync_status`), and harvey/cli.py maps one to the other.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class HarveyCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return super().create_parser(prog_name, subcommand.replace("_", "-"), **kwargs)
