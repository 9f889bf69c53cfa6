"""The repository stands on its own, and its front door tells the truth about the commands."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|\bDESIGN\.md|\bSTYLE\.md|\bvendors\.md|seed/hrms-integration|/work/")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in listed.splitlines() if not name.startswith("bench/results/")]


def test_nothing_in_the_code_or_the_docs_points_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path.suffix not in (".py", ".md", ".html", ".toml", ".txt", ".cfg", "") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line) and path.name != "test_repository.py":
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert offenders == []


def test_the_project_has_an_apache_license() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0" in text


def test_the_readme_lists_every_command_harvey_has() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## The `harvey` command") :]
    table = table[: table.index("\n## ", 1)]
    harvey_apps = ("harvey.", "integrations.")
    ours = sorted(name for name, app in get_commands().items() if app.startswith(harvey_apps))
    assert ours, "Harvey's own commands were not found"
    missing = [name for name in ours if f"`{name.replace('_', '-')}" not in table]
    assert missing == []
