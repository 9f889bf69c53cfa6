"""The environment-dependent half of Harvey's settings, built by one function so it can be tested.

`harvey/settings.py` calls `build_settings(os.environ, var_dir=...)` and merges the result; tests call it
with a plain dict. Two modes (docs/architecture.md §7):

* embedded/development (default): SQLite under `var/`, local-memory cache, Celery tasks run in-process,
  dev keys generated and persisted under `var/`;
* services: `DATABASE_URL` (PostgreSQL), `REDIS_URL` (cache and Celery broker).

`HARVEY_ENV=production` makes missing secrets an error instead of generating them. DEBUG (`HARVEY_DEBUG=1`)
and private HRMS addresses (`HARVEY_ALLOW_PRIVATE_HRMS=1`) are off in every environment unless asked for:
a development server reachable from a network must not show tracebacks, nor call into that network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from harvey.crypto import parse_fernet_keys
from harvey.devkeys import load_or_create_dev_keys

ENVIRONMENTS = ("development", "production")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

BUSINESS_TIME_ZONE = "Asia/Kolkata"
DEFAULT_CACHE_PREFIX = "harvey"
DEFAULT_CACHE_TIMEOUT_SECONDS = 1800
DB_CONN_MAX_AGE_SECONDS = 600
SQLITE_BUSY_TIMEOUT_SECONDS = 20
REDIS_SOCKET_TIMEOUT_SECONDS = 5
# The sync lease and its heartbeat (integrations/hrms/sync/ledger.py reads the settings; defaults live here
# so that the pair can be checked together when the settings are built).
DEFAULT_LEASE_SECONDS = 30
DEFAULT_HEARTBEAT_SECONDS = 10


def env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean variable; an unrecognised word is an error rather than a silent `False`."""
    if name not in env:
        return default
    word = env[name].strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {env[name]!r}.")


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def build_settings(env: Mapping[str, str], *, var_dir: Path) -> dict[str, Any]:
    """All settings that depend on the environment, as a dict of setting name -> value."""
    environment = env.get("HARVEY_ENV", "").strip().lower() or "development"
    if environment not in ENVIRONMENTS:
        # A typo such as "prod" must not quietly run production with generated development keys.
        raise ImproperlyConfigured(f"HARVEY_ENV must be one of {', '.join(ENVIRONMENTS)}; got {environment!r}.")
    production = environment == "production"
    redis_url = env.get("REDIS_URL", "").strip()
    return {
        "HARVEY_ENV": environment,
        "DEBUG": env_flag(env, "HARVEY_DEBUG", default=False),
        # Not environment-dependent, and that is the point: DEBUG must not turn off the hiding of secrets.
        "DEFAULT_EXCEPTION_REPORTER_FILTER": "harvey.error_reports.AlwaysSafeExceptionReporterFilter",
        "ALLOWED_HOSTS": env_list(env, "HARVEY_ALLOWED_HOSTS")
        or ([] if production else ["localhost", "127.0.0.1", "[::1]", "testserver"]),
        "CSRF_TRUSTED_ORIGINS": env_list(env, "HARVEY_CSRF_TRUSTED_ORIGINS"),
        "SESSION_COOKIE_SECURE": production,
        "CSRF_COOKIE_SECURE": production,
        "HARVEY_ALLOW_PRIVATE_HRMS": env_flag(env, "HARVEY_ALLOW_PRIVATE_HRMS", default=False),
        "HARVEY_CACHE_PREFIX": env.get("HARVEY_CACHE_PREFIX", "").strip() or DEFAULT_CACHE_PREFIX,
        "DATABASES": {"default": database_settings(env, var_dir=var_dir)},
        "CACHES": {"default": cache_settings(env)},
        **celery_settings(env, redis_url=redis_url),
        **secret_settings(env, var_dir=var_dir, production=production),
        **tuning_settings(env),
    }


# Numbers an operator may tune per deployment. Each module keeps its own default (one source of truth);
# an environment variable of the same name overrides it.
TUNABLE: dict[str, type] = {
    "HARVEY_SYNC_LEASE_SECONDS": int,
    "HARVEY_SYNC_HEARTBEAT_SECONDS": float,
    "HARVEY_SYNC_OVERLAP_SECONDS": int,
    "HARVEY_SYNC_SWEEP_HOURS": float,
    "HARVEY_SYNC_SWEEP_MAX_DELETE_SHARE": float,
    "HARVEY_SYNC_DISPATCH_SECONDS": float,
    "HARVEY_SYNC_DAILY_SPREAD_MINUTES": int,
    "HARVEY_SYNC_MAX_RETRIES": int,
    "HARVEY_SYNC_RETRY_BASE_SECONDS": int,
    "HARVEY_SYNC_RETRY_CAP_SECONDS": int,
    "HARVEY_SYNC_TASK_SOFT_TIME_LIMIT": int,
    "HARVEY_SYNC_COPY_PROCESS": int,
    "HARVEY_WEBHOOK_MAX_AGE_SECONDS": int,
    "HARVEY_WEBHOOK_STUCK_SECONDS": int,
    "HARVEY_WEBHOOK_MAX_RETRIES": int,
}


def tuning_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The tunables present in the environment, parsed; a value that is not a number is a clear error."""
    out: dict[str, Any] = {}
    for name, kind in TUNABLE.items():
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a {kind.__name__} number; got {raw!r}.") from None
        if value < 0:
            raise ImproperlyConfigured(f"{name} must not be negative; got {raw!r}.")
        out[name] = value
    lease = out.get("HARVEY_SYNC_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
    heartbeat = out.get("HARVEY_SYNC_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)
    if not 0 < heartbeat <= lease / 2:
        # A heartbeat slower than half the lease lets a live run's lease lapse between two beats.
        raise ImproperlyConfigured(
            f"HARVEY_SYNC_HEARTBEAT_SECONDS ({heartbeat:g}) must be more than 0 and at most half of "
            f"HARVEY_SYNC_LEASE_SECONDS ({lease:g})."
        )
    return out


def database_settings(env: Mapping[str, str], *, var_dir: Path) -> dict[str, Any]:
    url = env.get("DATABASE_URL", "").strip()
    if url:
        try:
            return dj_database_url.parse(url, conn_max_age=DB_CONN_MAX_AGE_SECONDS, conn_health_checks=True)
        except ValueError as e:  # never echo the URL: it may hold a password
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {e}") from e
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(var_dir / "harvey.sqlite3"),
        "OPTIONS": {
            # WAL lets readers proceed while a sync writes; IMMEDIATE takes the write lock at BEGIN, so
            # concurrent writers wait for the busy timeout instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        },
    }


def cache_settings(env: Mapping[str, str]) -> dict[str, Any]:
    redis_url = env.get("REDIS_URL", "").strip()
    prefix = env.get("HARVEY_CACHE_PREFIX", "").strip() or DEFAULT_CACHE_PREFIX
    if redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
            "TIMEOUT": DEFAULT_CACHE_TIMEOUT_SECONDS,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"harvey-{prefix}",
        "KEY_PREFIX": prefix,
        "TIMEOUT": DEFAULT_CACHE_TIMEOUT_SECONDS,
    }


DEFAULT_SYNC_QUEUE = "harvey.sync"
DEFAULT_DISPATCH_QUEUE = "harvey.dispatch"
#: Redis broker: an unacknowledged task (acks_late) is handed to another worker after this long. It must
#: exceed the longest run plus the longest retry countdown, or a slow run would be delivered twice.
VISIBILITY_TIMEOUT_SECONDS = 2 * 3600


def celery_settings(env: Mapping[str, str], *, redis_url: str) -> dict[str, Any]:
    """Redis as broker when set; otherwise tasks run in-process (eager) and their errors propagate.

    `HARVEY_CELERY_EAGER=1` forces in-process tasks even with Redis (a single-process deployment).
    Two queues: the runs (`HARVEY_SYNC_QUEUE`) and the beat's dispatcher (`HARVEY_DISPATCH_QUEUE`), which a
    worker consumes first, so scheduling never waits behind thousands of queued runs. Every broker key
    carries the deployment's Redis prefix (`HARVEY_CACHE_PREFIX`), so deployments sharing a Redis never take
    each other's tasks. A lost broker is retried for ever, never a reason for a worker to exit.
    """
    eager = env_flag(env, "HARVEY_CELERY_EAGER", default=not redis_url)
    prefix = env.get("HARVEY_CACHE_PREFIX", "").strip() or DEFAULT_CACHE_PREFIX
    sync_queue = env.get("HARVEY_SYNC_QUEUE", "").strip() or DEFAULT_SYNC_QUEUE
    dispatch_queue = env.get("HARVEY_DISPATCH_QUEUE", "").strip() or DEFAULT_DISPATCH_QUEUE
    if sync_queue == dispatch_queue:
        raise ImproperlyConfigured("HARVEY_SYNC_QUEUE and HARVEY_DISPATCH_QUEUE must be two different queues.")
    return {
        "CELERY_BROKER_URL": redis_url or "memory://",
        "CELERY_TASK_ALWAYS_EAGER": eager,
        "CELERY_TASK_EAGER_PROPAGATES": eager,
        "CELERY_TIMEZONE": BUSINESS_TIME_ZONE,
        "CELERY_ENABLE_UTC": True,
        # Tasks are idempotent (docs/style.md §2.7): acknowledge after running so a killed worker's task re-runs.
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        "CELERY_TASK_IGNORE_RESULT": True,
        "CELERY_TASK_DEFAULT_QUEUE": sync_queue,
        "CELERY_TASK_ROUTES": {"hrms.sync.dispatch": {"queue": dispatch_queue}},
        "HARVEY_SYNC_QUEUE": sync_queue,
        "HARVEY_DISPATCH_QUEUE": dispatch_queue,
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            "global_keyprefix": f"{prefix}:",
            # With -Q dispatch,sync a free worker slot takes the dispatcher's message first.
            "queue_order_strategy": "priority",
        },
        "CELERY_BROKER_CONNECTION_RETRY": True,
        "CELERY_BROKER_CONNECTION_MAX_RETRIES": None,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        # A run in progress when the broker goes away finishes its work (it is fenced and idempotent); its
        # message comes back if the acknowledgement was lost.
        "CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS": False,
    }


def secret_settings(env: Mapping[str, str], *, var_dir: Path, production: bool) -> dict[str, Any]:
    secret_key = env.get("HARVEY_SECRET_KEY", "").strip()
    raw_keys = env.get("HARVEY_ENCRYPTION_KEYS", "").strip()
    missing = [
        name for name, value in (("HARVEY_SECRET_KEY", secret_key), ("HARVEY_ENCRYPTION_KEYS", raw_keys)) if not value
    ]
    if missing and production:
        raise ImproperlyConfigured(
            f"HARVEY_ENV=production needs {' and '.join(missing)} in the environment; "
            "generated development keys are never used in production."
        )
    if missing:
        dev_keys = load_or_create_dev_keys(var_dir)
        secret_key = secret_key or dev_keys.secret_key
        raw_keys = raw_keys or ",".join(dev_keys.encryption_keys)
    return {"SECRET_KEY": secret_key, "HARVEY_ENCRYPTION_KEYS": parse_fernet_keys(raw_keys)}
