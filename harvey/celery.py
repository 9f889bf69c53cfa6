"""The Celery app: `celery -A harvey worker` / `celery -A harvey beat`.

Configuration comes from Django settings prefixed `CELERY_` (see `harvey.environment.celery_settings`):
Redis as broker when `REDIS_URL` is set, otherwise tasks run in-process.

Beat has two entries, each every minute: `hrms.sync.dispatch` (`HARVEY_SYNC_DISPATCH_SECONDS`, on the
dispatch queue) and `hrms.webhooks.requeue_stuck` (webhook events left pending are enqueued again). The
per-organization schedules (employees every 2 h, candidates 1 h, interviews 30 min, leave daily at 01:00
Asia/Kolkata, ...) live in the database (`HRMSIntegration.sync_settings`), so changing one needs no
restart. Run exactly ONE beat per deployment (`harvey beat`); a second one is harmless (the dispatcher
claims each (organization, entity, slot) with a cache `add`, and the engine's lease admits one run per
pair) but wasteful.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")

DISPATCH_EVERY_SECONDS = 60.0
WEBHOOK_REQUEUE_EVERY_SECONDS = 60.0

app = Celery("harvey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _install_beat_schedule(sender: Celery, **_: Any) -> None:
    """Add the dispatcher to beat once settings are loaded (broker options: harvey.environment)."""
    from django.conf import settings

    every = float(getattr(settings, "HARVEY_SYNC_DISPATCH_SECONDS", DISPATCH_EVERY_SECONDS))
    sender.conf.beat_schedule = {
        **(sender.conf.beat_schedule or {}),
        "hrms-sync-dispatch": {
            "task": "hrms.sync.dispatch",
            "schedule": every,
            # A dispatch that waited longer than its own period is superseded by the next one.
            "options": {"expires": max(1.0, every - 1)},
        },
        # Webhook events still pending past HARVEY_WEBHOOK_STUCK_SECONDS are enqueued again (webhooks/tasks.py).
        "hrms-webhooks-requeue-stuck": {
            "task": "hrms.webhooks.requeue_stuck",
            "schedule": WEBHOOK_REQUEUE_EVERY_SECONDS,
            "options": {"expires": WEBHOOK_REQUEUE_EVERY_SECONDS - 1},
        },
    }
