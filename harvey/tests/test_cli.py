"""The `harvey` console script runs Django's management commands with Harvey's settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harvey import cli


def test_the_cli_runs_a_django_command(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_a_command_may_be_typed_with_hyphens(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["rotate-keys", "--verbosity", "2"])
    assert seen == [["harvey", "rotate_keys", "--verbosity", "2"]]


def test_an_unknown_command_exits_with_an_error() -> None:
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
