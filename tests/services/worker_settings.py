"""Settings of the Celery worker and beat subprocesses started by the services tests.

Harvey's settings plus what a test needs to be fast and isolated: its own queues (HARVEY_SYNC_QUEUE and
HARVEY_DISPATCH_QUEUE from the environment, so parallel sessions and a developer's running worker never take
each other's tasks), a short lease, quick retries, a fast beat. Every value comes from the environment the
fixture sets (see `harness.service_env`).
"""

import os

from harvey.settings import *  # noqa: F403 - this module *is* Harvey's settings plus overrides

CELERY_TASK_ALWAYS_EAGER = False
HARVEY_SYNC_LEASE_SECONDS = int(os.environ.get("HARVEY_SYNC_LEASE_SECONDS", "6"))
HARVEY_SYNC_HEARTBEAT_SECONDS = float(os.environ.get("HARVEY_SYNC_HEARTBEAT_SECONDS", "2"))
HARVEY_SYNC_MAX_RETRIES = int(os.environ.get("HARVEY_SYNC_MAX_RETRIES", "8"))
HARVEY_SYNC_RETRY_BASE_SECONDS = int(os.environ.get("HARVEY_SYNC_RETRY_BASE_SECONDS", "1"))
HARVEY_SYNC_RETRY_CAP_SECONDS = int(os.environ.get("HARVEY_SYNC_RETRY_CAP_SECONDS", "2"))
HARVEY_SYNC_DISPATCH_SECONDS = float(os.environ.get("HARVEY_SYNC_DISPATCH_SECONDS", "60"))
