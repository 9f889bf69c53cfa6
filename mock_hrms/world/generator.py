"""`generate_world`: one deterministic HR world from (seed, employees, reference_date).

The parts run in a fixed order on one `random.Random(seed)` (see generate_context), so the same inputs
give the same bytes; what each part guarantees is in its own module: the org tree (generate_org),
recruiting (generate_recruiting), leave (generate_leave).
"""

from __future__ import annotations

import datetime as dt
import gc

from hrmodel import canonical
from mock_hrms.world.generate_context import GenContext, business_today
from mock_hrms.world.generate_leave import generate_leave_requests
from mock_hrms.world.generate_org import NamePicker, generate_org
from mock_hrms.world.generate_recruiting import RecruitingGenerator
from mock_hrms.world.table import Table
from mock_hrms.world.world import World

# The list shape of an entity is its non-detail canonical model; None = list and detail are the same.
LIST_MODELS: dict[str, type[canonical.Record] | None] = {
    "departments": None,
    "employees": canonical.Employee,
    "job_requisitions": canonical.JobRequisition,
    "candidates": canonical.Candidate,
    "interviews": None,
    "leave_requests": None,
}


def new_tables() -> dict[str, Table]:
    """Empty tables for every canonical entity, each knowing its list shape."""
    return {entity: Table(entity, list(model.model_fields) if model else None) for entity, model in LIST_MODELS.items()}


def generate_world(seed: int = 42, employees: int = 150, reference_date: dt.date | None = None) -> World:
    """A consistent organisation of `employees` people with recruiting and leave around `reference_date`.

    reference_date defaults to today in Asia/Kolkata; every generated `updated_at` lies in the half year
    before it, so any change made later sorts after all generated records.
    """
    if employees < 1:
        raise ValueError("a world needs at least one employee (its CEO)")
    reference_date = reference_date or business_today()
    # Generation allocates about a million dicts and lists and frees none of them: the cyclic GC's
    # repeated full scans of that growing heap were a third of the time of a 100k world, for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, employees, reference_date)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(seed: int, employees: int, reference_date: dt.date) -> World:
    ctx = GenContext(seed=seed, employees=employees, reference_date=reference_date)
    departments, people, gender = generate_org(ctx, NamePicker(ctx))
    recruiting = RecruitingGenerator(ctx, departments, people)
    jobs = recruiting.requisitions()
    candidates = recruiting.candidates(jobs)
    interviews = recruiting.interviews(jobs, candidates)
    leaves = generate_leave_requests(ctx, people, gender)
    tables = new_tables()
    for entity, records in (
        ("departments", departments),
        ("employees", people),
        ("job_requisitions", jobs),
        ("candidates", candidates),
        ("interviews", interviews),
        ("leave_requests", leaves),
    ):
        tables[entity].bulk_load(records)
    return World(seed=seed, reference_date=reference_date, tables=tables, gender=gender)
