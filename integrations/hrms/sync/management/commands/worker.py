"""`harvey worker`: a Celery worker for Harvey's syncs, supervised (restarted whenever it exits on its own).

    harvey worker [--concurrency N] [--loglevel LEVEL] [--no-supervise]

It consumes the dispatcher's queue first, then the runs' queue (HARVEY_DISPATCH_QUEUE, HARVEY_SYNC_QUEUE),
and runs without gossip, mingle and the worker heartbeat: Harvey's workers do not need to know each other,
and those are the parts of Celery's Redis transport that turned a 30 s broker outage into a dead worker
("Unrecoverable error: AttributeError ... 'hostname'" while stopping Gossip). The broker connection is
retried for ever (harvey/environment.py), and the supervisor restarts the worker if it dies anyway.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from harvey.commands import HarveyCommand
from harvey.supervisor import Supervisor


def worker_argv(*, concurrency: int, loglevel: str, hostname: str | None = None) -> list[str]:
    queues = f"{settings.HARVEY_DISPATCH_QUEUE},{settings.HARVEY_SYNC_QUEUE}"
    argv = [sys.executable, "-m", "celery", "-A", "harvey", "worker", "-Q", queues]
    argv += ["--concurrency", str(concurrency), "--loglevel", loglevel]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return [*argv, "-n", hostname] if hostname else argv


class Command(HarveyCommand):
    help = "Run a supervised Celery worker for Harvey's syncs (restarted whenever it exits on its own)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes (default: 2).")
        parser.add_argument("--loglevel", default="INFO", help="Celery's log level (default: INFO).")
        parser.add_argument("--hostname", help="The worker's node name (default: Celery's, celery@<host>).")
        parser.add_argument("--no-supervise", action="store_true", help="Run the worker once, without restarts.")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = worker_argv(
            concurrency=options["concurrency"], loglevel=options["loglevel"], hostname=options["hostname"]
        )
        if options["no_supervise"]:
            from os import execv

            execv(argv[0], argv)
        sys.exit(Supervisor("worker", argv).run())
