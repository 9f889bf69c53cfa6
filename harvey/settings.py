"""Django settings for Harvey's HRMS integration layer.

Everything that differs between the embedded default and a PostgreSQL/Redis/Celery deployment comes from
the environment through `harvey.environment.build_settings` (documented and tested there); this module
holds what is the same everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from harvey.environment import BUSINESS_TIME_ZONE, build_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HARVEY_VAR_DIR", BASE_DIR / "var"))

globals().update(build_settings(os.environ, var_dir=VAR_DIR))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "harvey.organizations",
    "harvey.replica",
    "integrations.hrms.sync",
    "integrations.hrms.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "harvey.urls"
WSGI_APPLICATION = "harvey.wsgi.application"
ASGI_APPLICATION = "harvey.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Stored times are aware UTC; the business day (schedules, "leave at 01:00") is in HARVEY_BUSINESS_TZ.
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
HARVEY_BUSINESS_TZ = BUSINESS_TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "event": {
            "()": "harvey.log_format.EventFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "event"}},
    "loggers": {
        "harvey": {"handlers": ["console"], "level": os.environ.get("HARVEY_LOG_LEVEL", "INFO"), "propagate": False},
        "hrms": {"handlers": ["console"], "level": os.environ.get("HARVEY_LOG_LEVEL", "INFO"), "propagate": False},
        # httpx logs every request line, query string included (an e-mail filter is personal data): Harvey's
        # transport logs its own events with safe paths instead (integrations/hrms/http/events.py).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
