"""`harvey beat`: Celery beat for Harvey (the dispatcher, every minute), supervised. Run exactly ONE.

    harvey beat [--loglevel LEVEL] [--schedule FILE] [--no-supervise]

Beat sends two tasks, each every minute: `hrms.sync.dispatch` (on the dispatch queue; the schedules
themselves are in the database) and `hrms.webhooks.requeue_stuck` (harvey/celery.py). The supervisor
restarts beat whenever it exits on its own; a broker outage is retried by Celery itself.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from harvey.commands import HarveyCommand
from harvey.supervisor import Supervisor


class Command(HarveyCommand):
    help = "Run Celery beat for Harvey (one per deployment), supervised."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loglevel", default="INFO", help="Celery's log level (default: INFO).")
        parser.add_argument(
            "--schedule", help="Where beat keeps its last-run times (default: var/celerybeat-schedule)."
        )
        parser.add_argument("--no-supervise", action="store_true", help="Run beat once, without restarts.")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = options["schedule"] or str(settings.VAR_DIR / "celerybeat-schedule")
        argv = [sys.executable, "-m", "celery", "-A", "harvey", "beat", "-s", schedule]
        argv += ["--loglevel", options["loglevel"]]
        if options["no_supervise"]:
            from os import execv

            execv(argv[0], argv)
        sys.exit(Supervisor("beat", argv).run())
