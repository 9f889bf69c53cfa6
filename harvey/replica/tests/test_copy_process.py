"""The COPY process is started with the run's own connection settings, as plain libpq parameters."""

from __future__ import annotations

from django.db import connections

from harvey.replica.copy_process import _connection_params


def test_the_child_gets_the_libpq_parameters_of_the_runs_connection_and_nothing_else(monkeypatch):
    django_params = {
        "database": "harvey",  # older spelling of dbname
        "user": "harvey",
        "password": "secret",
        "host": "db.internal",
        "port": 5432,
        "options": "-c search_path=tenant",
        "sslmode": "verify-full",
        "application_name": "",  # empty: libpq's default
        "cursor_factory": object(),  # Django's Python objects stay behind
        "context": object(),
        "prepare_threshold": None,
    }
    monkeypatch.setattr(connections["default"], "get_connection_params", lambda: dict(django_params))
    assert _connection_params("default") == {
        "dbname": "harvey",
        "user": "harvey",
        "password": "secret",
        "host": "db.internal",
        "port": 5432,
        "options": "-c search_path=tenant",
        "sslmode": "verify-full",
    }
