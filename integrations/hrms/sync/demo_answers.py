"""Questions Harvey answers from the replica alone (no HRMS call): the demo's closing act."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from rich.console import Console
from rich.table import Table

from harvey.organizations.models import Organization
from harvey.replica.models import Employee, JobRequisition, LeaveBalance

MAX_CHAIN = 20  # a reporting chain longer than this means bad data, not a deep organization


def reporting_chain(employee: Employee) -> list[Employee]:
    chain, seen, current = [], {employee.pk}, employee.manager_ref
    while current is not None and current.pk not in seen and len(chain) < MAX_CHAIN:
        chain.append(current)
        seen.add(current.pk)
        current = current.manager_ref
    return chain


def sample_employee(organization: Organization) -> Employee | None:
    """An individual contributor with a long chain above them: the most interesting chain to show."""
    candidates = (
        Employee.objects.filter(organization=organization, employment_status="active", manager_ref__isnull=False)
        .annotate(reports=Count("direct_reports"))
        .filter(reports=0)
        .select_related("manager_ref")
        .order_by("external_id")[:200]
    )
    return max(candidates, key=lambda e: len(reporting_chain(e)), default=None)


def print_answers(console: Console, organization: Organization) -> None:
    employee = sample_employee(organization)
    if employee is not None:
        console.print(f"\n[bold]Who does {employee.full_name} ({employee.job_title}, {employee.department}) report to?")
        for level, manager in enumerate(reporting_chain(employee), start=1):
            console.print(f"  {level}. {manager.full_name} — {manager.job_title}")
        year = dt.date.today().year
        balances = LeaveBalance.objects.filter(organization=organization, employee_id=employee.external_id, year=year)
        table = Table(title=f"{employee.first_name}'s leave balance {year}", title_justify="left")
        for column in ("leave type", "allocated", "used", "pending", "available"):
            table.add_column(column, justify="left" if column == "leave type" else "right")
        for b in balances.order_by("leave_type"):
            table.add_row(b.leave_type, f"{b.total_allocated:g}", f"{b.used:g}", f"{b.pending:g}", f"{b.available:g}")
        console.print(table)

    requisitions = (
        JobRequisition.objects.filter(organization=organization, status="open")
        .annotate(
            candidates_total=Count("candidates", distinct=True),
            candidates_active=Count("candidates", filter=Q(candidates__status="active"), distinct=True),
        )
        .order_by("requisition_id")
    )
    table = Table(title="Open requisitions", title_justify="left")
    for column in ("requisition", "title", "department", "hiring manager", "candidates", "active"):
        table.add_column(column, justify="right" if column in ("candidates", "active") else "left")
    for r in requisitions:
        table.add_row(
            r.requisition_id,
            r.title,
            r.department or "",
            r.hiring_manager_name or "",
            str(r.candidates_total),
            str(r.candidates_active),
        )
    console.print(table)
