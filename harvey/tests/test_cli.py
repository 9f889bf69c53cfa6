"""The `harvey` console script runs Django's management commands with Harvey's settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harvey import cli


def test_the_cli_runs_a_django_command(capsys: pytest.CaptureFixture[str], in_process_cli: None) -> None:
    cli.main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_a_command_may_be_typed_with_hyphens(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["rotate-keys", "--verbosity", "2"])
    assert seen == [["harvey", "rotate_keys", "--verbosity", "2"]]


def test_an_unknown_command_exits_with_an_error(in_process_cli: None) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["no-such-command"])
    assert excinfo.value.code == 1


def test_the_console_script_finds_project_commands_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from harvey.cli import main; main()", "rotate-keys", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Re-encrypt every encrypted column" in result.stdout


def test_help_lists_commands_by_their_hyphenated_names(
    capsys: pytest.CaptureFixture[str], in_process_cli: None
) -> None:
    cli.main(["help"])
    listed = capsys.readouterr().out
    assert "    sync-status" in listed
    assert "    test-connection" in listed
    assert "sync_status" not in listed


def test_help_of_a_hyphenated_command_shows_its_usage() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from harvey.cli import main; main()", "help", "sync-status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: harvey sync-status" in result.stdout


def test_a_database_that_cannot_be_reached_is_one_line_and_exit_4(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "HARVEY_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "from harvey.cli import main; main()", "sync-status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 4
    assert result.stderr.splitlines()[-1].startswith("harvey: cannot reach the database (PostgreSQL at 127.0.0.1:1)")
    assert "Traceback" not in result.stderr


def test_redis_that_cannot_be_reached_is_one_line_and_exit_4(tmp_path) -> None:
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "HARVEY_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    command = "from django.core.cache import cache; cache.set('k', 1)"  # any command that needs Redis
    result = subprocess.run(
        [sys.executable, "-c", "from harvey.cli import main; main()", "shell", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 4, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1].startswith("harvey: cannot reach Redis (127.0.0.1:1)")
    assert "Traceback" not in result.stderr
