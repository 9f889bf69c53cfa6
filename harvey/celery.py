"""The Celery app: `celery -A harvey worker` / `celery -A harvey beat`.

Configuration comes from Django settings prefixed `CELERY_` (see `harvey.environment.celery_settings`):
Redis as broker when `REDIS_URL` is set, otherwise tasks run in-process.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")

app = Celery("harvey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
