"""What the sync commands print: progress while pages arrive and one summary table at the end (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .pull import EntityReport, PullReport

MIN_WIDTH = 120  # tables stay readable when the output is a pipe or a CI log (rich assumes 80 columns)


def make_console(file) -> Console:
    console = Console(file=file)
    return console if console.is_terminal else Console(file=file, width=max(console.width, MIN_WIDTH))


def progress_bar(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def pull_table(report: PullReport, expected: dict[str, int] | None = None) -> Table:
    """Counts per entity; with `expected` (the HRMS's own counts) a column says whether they match."""
    table = Table(title=f"Pulled {report.organization} in {report.seconds:.2f} s", title_justify="left")
    for column in ("entity", "fetched", "inserted", "updated", "unchanged", "deleted", "invalid", "seconds"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    if expected is not None:
        table.add_column("in replica = HRMS")
    for entity in report.entities:
        table.add_row(*_row(entity, expected))
    return table


def _row(entity: EntityReport, expected: dict[str, int] | None) -> list[str]:
    if entity.skipped:
        cells = [entity.entity, "-", "-", "-", "-", "-", "-", f"{entity.seconds:.2f}"]
        return [*cells, entity.skipped] if expected is not None else cells
    counts = entity.counts
    cells = [
        entity.entity,
        f"{entity.fetched:,}",
        f"{counts.inserted:,}",
        f"{counts.updated:,}",
        f"{counts.unchanged:,}",
        f"{entity.deleted:,}",
        f"{len(entity.invalid):,}",
        f"{entity.seconds:.2f}",
    ]
    if expected is not None:
        want = expected.get(entity.entity)
        cells.append("-" if want is None else ("[green]yes[/]" if want == entity.replica_count else "[red]NO[/]"))
    return cells
