"""The environment decides the mode: embedded (SQLite, local memory, in-process tasks) or services."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from harvey.environment import build_settings

PG_URL = "postgres://harvey:pw@db.internal:5432/harvey"
REDIS_URL = "redis://cache.internal:6379/0"


@pytest.fixture
def keys() -> dict[str, str]:
    return {"HARVEY_SECRET_KEY": "s" * 50, "HARVEY_ENCRYPTION_KEYS": Fernet.generate_key().decode()}


def test_without_database_url_sqlite_lives_under_var_in_wal_mode(tmp_path: Path) -> None:
    db = build_settings({}, var_dir=tmp_path / "var")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "harvey.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] > 0
    assert (tmp_path / "var").is_dir()


def test_database_url_selects_postgres_with_persistent_checked_connections(tmp_path: Path) -> None:
    db = build_settings({"DATABASE_URL": PG_URL}, var_dir=tmp_path)["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5432, "harvey", "harvey")
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


def test_an_unusable_database_url_is_a_configuration_error_that_hides_the_password(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build_settings({"DATABASE_URL": "nosuchdb://u:topsecret@h/x"}, var_dir=tmp_path)
    assert "topsecret" not in str(excinfo.value)


def test_without_redis_url_the_cache_is_local_memory_and_tasks_run_in_process(tmp_path: Path) -> None:
    settings = build_settings({}, var_dir=tmp_path)
    assert settings["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["CELERY_TASK_EAGER_PROPAGATES"] is True


def test_redis_url_selects_the_redis_cache_and_the_celery_broker(tmp_path: Path) -> None:
    settings = build_settings({"REDIS_URL": REDIS_URL}, var_dir=tmp_path)
    assert settings["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["CACHES"]["default"]["LOCATION"] == REDIS_URL
    assert settings["CELERY_BROKER_URL"] == REDIS_URL
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False


def test_cache_prefix_comes_from_harvey_cache_prefix(tmp_path: Path) -> None:
    for env in ({}, {"REDIS_URL": REDIS_URL}):
        settings = build_settings({**env, "HARVEY_CACHE_PREFIX": "w3"}, var_dir=tmp_path)
        assert settings["CACHES"]["default"]["KEY_PREFIX"] == "w3"


def test_celery_schedules_in_the_business_time_zone(tmp_path: Path) -> None:
    assert build_settings({}, var_dir=tmp_path)["CELERY_TIMEZONE"] == "Asia/Kolkata"


def test_development_generates_keys_once_and_reuses_them(tmp_path: Path) -> None:
    first = build_settings({}, var_dir=tmp_path)
    second = build_settings({}, var_dir=tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["HARVEY_ENCRYPTION_KEYS"] == second["HARVEY_ENCRYPTION_KEYS"]
    assert (tmp_path / "dev-keys.json").stat().st_mode & 0o077 == 0


def test_keys_from_the_environment_win_over_generated_ones(tmp_path: Path, keys: dict[str, str]) -> None:
    settings = build_settings(keys, var_dir=tmp_path)
    assert settings["SECRET_KEY"] == keys["HARVEY_SECRET_KEY"]
    assert settings["HARVEY_ENCRYPTION_KEYS"] == [keys["HARVEY_ENCRYPTION_KEYS"]]
    assert not (tmp_path / "dev-keys.json").exists()


@pytest.mark.parametrize("missing", ["HARVEY_SECRET_KEY", "HARVEY_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_keys(tmp_path: Path, keys: dict[str, str], missing: str) -> None:
    env = {**keys, "HARVEY_ENV": "production"}
    del env[missing]
    with pytest.raises(ImproperlyConfigured, match=missing):
        build_settings(env, var_dir=tmp_path)
    assert not (tmp_path / "dev-keys.json").exists()


@pytest.mark.parametrize("environment", ["", "development", "production"])
def test_debug_and_private_hrms_addresses_are_off_unless_asked_for(
    tmp_path: Path, keys: dict[str, str], environment: str
) -> None:
    settings = build_settings({**keys, "HARVEY_ENV": environment}, var_dir=tmp_path)
    assert settings["DEBUG"] is False
    assert settings["HARVEY_ALLOW_PRIVATE_HRMS"] is False


def test_debug_and_private_hrms_addresses_are_on_when_asked_for(tmp_path: Path) -> None:
    settings = build_settings({"HARVEY_DEBUG": "1", "HARVEY_ALLOW_PRIVATE_HRMS": "1"}, var_dir=tmp_path)
    assert settings["DEBUG"] is True
    assert settings["HARVEY_ALLOW_PRIVATE_HRMS"] is True


def test_error_reports_hide_marked_secrets_even_with_debug_on(tmp_path: Path) -> None:
    settings = build_settings({"HARVEY_DEBUG": "1"}, var_dir=tmp_path)
    assert settings["DEFAULT_EXCEPTION_REPORTER_FILTER"] == "harvey.error_reports.AlwaysSafeExceptionReporterFilter"


def test_a_misspelt_environment_name_is_an_error_not_development(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="HARVEY_ENV"):
        build_settings({"HARVEY_ENV": "prod"}, var_dir=tmp_path)


def test_an_invalid_encryption_key_is_reported_by_position_without_its_value(tmp_path: Path) -> None:
    good = Fernet.generate_key().decode()
    with pytest.raises(ImproperlyConfigured, match="entry 2") as excinfo:
        build_settings({"HARVEY_ENCRYPTION_KEYS": f"{good},not-a-key"}, var_dir=tmp_path)
    assert "not-a-key" not in str(excinfo.value)


def test_a_boolean_variable_rejects_unknown_words(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="HARVEY_ALLOW_PRIVATE_HRMS"):
        build_settings({"HARVEY_ALLOW_PRIVATE_HRMS": "maybe"}, var_dir=tmp_path)


def test_sync_tunables_come_from_the_environment(tmp_path):
    from harvey.environment import build_settings

    settings = build_settings(
        {"HARVEY_SYNC_LEASE_SECONDS": "90", "HARVEY_SYNC_SWEEP_MAX_DELETE_SHARE": "0.1"}, var_dir=tmp_path
    )
    assert settings["HARVEY_SYNC_LEASE_SECONDS"] == 90
    assert settings["HARVEY_SYNC_SWEEP_MAX_DELETE_SHARE"] == 0.1
    assert "HARVEY_SYNC_OVERLAP_SECONDS" not in settings  # unset: the module's default applies


def test_a_tunable_that_is_not_a_number_is_a_clear_error(tmp_path):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from harvey.environment import build_settings

    with pytest.raises(ImproperlyConfigured, match="HARVEY_SYNC_MAX_RETRIES"):
        build_settings({"HARVEY_SYNC_MAX_RETRIES": "five"}, var_dir=tmp_path)
