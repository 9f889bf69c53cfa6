"""What the sync commands print: progress while pages arrive and one summary table at the end (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import HRMSError
from .pull import EntityReport, PullReport

MIN_WIDTH = 120  # tables stay readable when the output is a pipe or a CI log (rich assumes 80 columns)


def make_console(file) -> Console:
    console = Console(file=file)
    return console if console.is_terminal else Console(file=file, width=max(console.width, MIN_WIDTH))


def progress_bar(console: Console, *, unit: str = "records") -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def pull_table(report: PullReport, expected: dict[str, int] | None = None) -> Table:
    """Counts per entity; with `expected` (the HRMS's own counts) a column says whether they match."""
    table = Table(title=f"Pulled {report.organization} in {report.seconds:.2f} s", title_justify="left")
    for column in ("entity", "fetched", "inserted", "updated", "unchanged", "deleted", "invalid", "seconds"):
        table.add_column(column, justify="left" if column == "entity" else "right", no_wrap=column == "entity")
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


HEALTH_STYLE = {
    "healthy": "green",
    "running": "cyan",
    "partial": "yellow",
    "degraded": "yellow",
    "stale": "yellow",
    "failing": "red",
    "never synced": "dim",
    "disabled": "dim",
}


#: What the tables' leave-balance numbers count: a record is one employee's balances for the year; the
#: replica keeps one row per leave type, so `fetched` counts employees and the write counts count rows.
LEAVE_BALANCES_NOTE = (
    "leave_balances: 'fetched' counts employees (one balance record each); inserted/updated/unchanged count "
    "replica rows, one per employee and leave type."
)


def runs_table(title: str, runs) -> Group:
    """One row of counts per run, then each run's notes or error as a sentence of its own below the table."""
    table = Table(title=title, title_justify="left")
    for column in ("entity", "status", "fetched", "inserted", "updated", "unchanged", "deleted", "quarantined"):
        table.add_column(column, justify="left" if column in ("entity", "status") else "right", no_wrap=True)
    table.add_column("seconds", justify="right")
    said = []
    for run in runs:
        style = HEALTH_STYLE.get("healthy" if run.status == "succeeded" else str(run.status), "")
        table.add_row(
            run.entity,
            f"[{style}]{run.status}[/]" if style else str(run.status),
            *(f"{getattr(run, name):,}" for name in ("fetched", "inserted", "updated", "unchanged", "deleted")),
            f"{run.quarantined:,}",
            f"{run.duration_seconds or 0:.2f}",
        )
        text = run.error_message or "; ".join(run.notes)
        if text:
            said.append(Text.assemble((f"{run.entity}: ", "bold"), (text, "red" if run.error_message else "")))
    return Group(table, *said)


def connections_table(integrations) -> Table:
    """Each organization's HRMS: type, where it lives, and the rate budget its runs share."""
    table = Table(title="HRMS connections", title_justify="left")
    for column in ("organization", "type", "base URL", "rate budget (all workers)"):
        table.add_column(column)
    for integration in integrations:
        try:
            budget = str(integration.rate_budget())
        except HRMSError as e:  # an adapter type that is not installed here
            budget = f"[red]{e.message}[/]"
        table.add_row(integration.organization.slug, integration.hrms_type, integration.base_url, budget)
    return table


def health_table(rows) -> Table:
    table = Table(title="HRMS sync health", title_justify="left")
    for column in ("organization", "entity", "health", "last success", "schedule", "last run", "detail"):
        table.add_column(column, no_wrap=column in ("organization", "entity"))
    for row in rows:
        run = row.last_run
        table.add_row(
            row.organization,
            row.entity,
            f"[{HEALTH_STYLE.get(row.health, '')}]{row.health}[/]",
            f"{row.freshness} ago" if row.last_success_at else "never",
            row.every,
            f"{run.status} ({run.fetched:,} fetched)" if run else "-",
            row.detail,
        )
    return table


def locked_table(holders) -> Table:
    """Entities not synced because another run holds their lease, and who that is."""
    table = Table(title="Not synced: another run holds the lease", title_justify="left")
    for column in ("entity", "held by"):
        table.add_column(column)
    for holder in holders:
        table.add_row(holder.entity, holder.describe())
    return table


def cycle_table(report) -> Table:
    """The figures of a `harvey sync --all` cycle, and its failed runs (the first 20)."""
    cycle = report.cycle
    table = Table(title=f"Cycle {cycle.id}: {cycle.organizations:,} organizations", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("runs done", f"{report.done:,} of {cycle.pairs:,}"),
        ("wall time", f"{report.wall_seconds:.1f} s"),
        ("runs/s", f"{report.runs_per_second:,.1f}"),
        ("records fetched", f"{report.records:,}"),
        ("records/s", f"{report.records_per_second:,.0f}"),
        ("mean run", f"{report.mean_run_seconds * 1000:,.1f} ms"),
        ("p95 run", f"{report.p95_run_seconds * 1000:,.1f} ms"),
        ("failed runs", f"{len(report.failed):,}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    for run in report.failed[:20]:
        table.add_row(
            f"[red]failed[/] org {run.organization_id} {run.entity}", f"{run.error_code}: {run.error_message}"[:100]
        )
    return table
