"""Generate the organisation: departments and employees with a consistent reporting tree.

Shape of the org: one CEO (EMP…1, head of the Executive Office, no manager); each department head reports
to the CEO, or to the head of its parent department (a VP: Data Science under Engineering); inside a
department people form a tree of fan-out 8 under the head, so depth grows with log(size) and levels and
titles follow depth (head L8, directors L7, managers L6–L5, individual contributors L1–L5). Terminated
employees are always leaves (nobody reports to them) and are not counted in `employee_count`.

Ids are given in hire-date order, as an HRMS would, with the CEO first.
"""

from __future__ import annotations

import datetime as dt

from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.generate_context import GenContext, Weighted, id_width

FAN_OUT = 8
IC_LEVELS = Weighted(((1, 20), (2, 30), (3, 28), (4, 15), (5, 7)))
WORK_TYPES = Weighted((("full_time", 90), ("contract", 5), ("part_time", 2), ("intern", 3)))
PHONE_PREFIX = {"London": "+44-7", "Singapore": "+65-9", "San Francisco": "+1-415"}


def choose_departments(employees: int) -> list[vocab.DepartmentSpec]:
    """Executive Office plus the biggest departments: about one department per 12 people, 2 to all."""
    count = min(len(vocab.DEPARTMENTS), max(1, employees // 12))
    executive, *others = vocab.DEPARTMENTS
    others.sort(key=lambda spec: -spec.weight)
    chosen = [executive, *others[: count - 1]]
    names = {spec.name for spec in chosen}
    return [spec for spec in chosen if spec.parent is None or spec.parent in names]


def department_sizes(specs: list[vocab.DepartmentSpec], employees: int) -> list[int]:
    """Headcount per department: a small Executive Office, the rest by weight (largest remainder)."""
    executive = min(employees, 1 + min(2, employees // 50))
    rest = employees - executive
    weights = [spec.weight for spec in specs[1:]]
    total_weight = sum(weights) or 1.0
    if not weights:
        return [employees]
    base = [max(1, int(rest * w / total_weight)) for w in weights] if rest >= len(weights) else []
    if not base:  # fewer people than departments: one each, then nobody
        base = [1 if i < rest else 0 for i in range(len(weights))]
    remainders = sorted(range(len(weights)), key=lambda i: -(rest * weights[i] / total_weight - base[i]))
    i = 0
    while sum(base) < rest:
        base[remainders[i % len(remainders)]] += 1
        i += 1
    while sum(base) > rest:
        largest = max(range(len(base)), key=base.__getitem__)
        base[largest] -= 1
    return [executive, *base]


def make_phone(ctx: GenContext, location: str) -> str:
    """An Indian mobile (+91-98xxxxxxxx) or a local number for the offices abroad."""
    prefix = PHONE_PREFIX.get(location)
    if prefix is None:
        return f"+91-{ctx.pick('9876')}{int(ctx.random() * 10**9):09d}"
    return f"{prefix}{ctx.between(10**7, 10**8 - 1)}"


class NamePicker:
    """Realistic, unique-by-email people: first.last@domain, with a counter on a clash."""

    def __init__(self, ctx: GenContext, domains: tuple[str, ...] = (vocab.COMPANY_DOMAIN,)) -> None:
        self.ctx = ctx
        self.domains = domains
        self.used: dict[str, int] = {}  # base local part -> highest suffix handed out
        self.taken: set[str] = set()  # local parts in use

    def person(self) -> tuple[str, str, str, str]:
        """(first_name, last_name, email, gender) with gender "female"/"male"."""
        ctx = self.ctx
        female, male, last_names = (
            vocab.INDIAN_NAMES if ctx.random() < vocab.INDIAN_SHARE else vocab.INTERNATIONAL_NAMES
        )
        gender = "female" if ctx.random() < 0.45 else "male"
        first = ctx.pick(female if gender == "female" else male)
        last = ctx.pick(last_names)
        return first, last, self.email(first, last), gender

    def email(self, first: str, last: str) -> str:
        """first.last@domain; the n-th holder of a name gets first.last<n>, skipping any address taken."""
        base = f"{vocab.email_word(first)}.{vocab.email_word(last)}"
        local = base
        while local in self.taken:
            self.used[base] = self.used.get(base, 1) + 1
            local = f"{base}{self.used[base]}"
        self.taken.add(local)
        domain = self.domains[0] if len(self.domains) == 1 else self.ctx.pick(self.domains)
        return f"{local}@{domain}"


def _level_and_title(ctx: GenContext, spec: vocab.DepartmentSpec, depth: int, has_reports: bool):
    if depth == 0:
        return 8, spec.head_title
    if has_reports:
        level = max(5, 8 - depth)
        return level, spec.manager_titles[min(depth - 1, len(spec.manager_titles) - 1)]
    level = IC_LEVELS.pick(ctx)
    return level, spec.ic_titles[level - 1]


def generate_org(ctx: GenContext, names: NamePicker) -> tuple[list[dict], list[dict], dict[str, str]]:
    """(departments, employees, gender by employee id). Records lack updated_at-dependent fields only."""
    ref = ctx.reference_date
    specs = choose_departments(ctx.employees)
    sizes = department_sizes(specs, ctx.employees)
    founded = ref - dt.timedelta(days=365 * 12)
    people: list[dict] = []  # internal rows, ids assigned after sorting by hire date
    heads: dict[str, dict] = {}
    for spec, size in zip(specs, sizes, strict=True):
        members: list[dict] = []
        for index in range(size):
            parent = None if index == 0 else members[(index - 1) // FAN_OUT]
            depth = 0 if parent is None else parent["_depth"] + 1
            has_reports = index * FAN_OUT + 1 < size
            level, title = _level_and_title(ctx, spec, depth, has_reports)
            first, last, email, gender = names.person()
            span = (ref - founded).days - 14
            hire = founded + dt.timedelta(days=int(span * ctx.random() ** (0.6 if depth else 3)))
            row = {
                "_spec": spec, "_depth": depth, "_parent": parent, "_level": level, "_gender": gender,
                "_has_reports": has_reports, "first_name": first, "last_name": last, "email": email,
                "job_title": title, "hire_date": hire,
            }  # fmt: skip
            members.append(row)
        if members:
            heads[spec.name] = members[0]
            if spec.name == vocab.EXECUTIVE_OFFICE:
                members[0]["hire_date"] = founded
        people.extend(members)
    for spec in specs:  # a head reports to the CEO or to its parent department's head (a VP)
        head = heads.get(spec.name)
        if head is not None and spec.name != vocab.EXECUTIVE_OFFICE:
            head["_parent"] = heads[spec.parent] if spec.parent in heads else heads[vocab.EXECUTIVE_OFFICE]
    people.sort(key=lambda row: (row["_parent"] is not None, row["hire_date"]))
    width = id_width(len(people), 5)
    for number, row in enumerate(people, 1):
        row["id"] = f"EMP{number:0{width}d}"
    departments = _departments(ctx, specs, heads)
    dept_id = {d["name"]: d["id"] for d in departments}
    pools = {spec.name: (ctx.subsets(spec.skills, 2, 5), ctx.subsets(spec.certifications, 0, 2)) for spec in specs}
    employees = [_employee(ctx, row, dept_id, pools) for row in people]
    gender = {row["id"]: row["_gender"] for row in people}
    counts: dict[str, int] = dict.fromkeys(dept_id.values(), 0)
    for emp in employees:
        if emp["employment_status"] != "terminated":
            counts[emp["department_id"]] += 1
    for dept in departments:
        dept["employee_count"] = counts[dept["id"]]
    return departments, employees, gender


def _departments(ctx: GenContext, specs, heads) -> list[dict]:
    width = id_width(len(specs), 3)
    ids = {spec.name: f"DEPT{n:0{width}d}" for n, spec in enumerate(specs, 1)}
    result = []
    for spec in specs:
        head = heads.get(spec.name)
        result.append({
            "id": ids[spec.name], "updated_at": ctx.updated_at(), "department_id": ids[spec.name],
            "name": spec.name, "head_id": head["id"] if head else None,
            "head_name": f"{head['first_name']} {head['last_name']}" if head else None,
            "employee_count": 0, "location": spec.locations[0], "parent_id": ids.get(spec.parent),
        })  # fmt: skip
    return result


def _employment(ctx: GenContext, row: dict) -> tuple[str, dt.date | None]:
    """Status and termination date: a few leaves are terminated, on leave, on probation or notice."""
    ref = ctx.reference_date
    if row["_parent"] is None or row["_depth"] == 0 or row["_has_reports"]:
        return "active", None
    if (ref - row["hire_date"]).days < 120:
        return "probation", None
    draw = ctx.random()
    if draw < 0.04:
        days_employed = (ref - row["hire_date"]).days
        return "terminated", row["hire_date"] + dt.timedelta(days=ctx.between(60, max(60, days_employed - 1)))
    if draw < 0.06:
        return "on_leave", None
    if draw < 0.07:
        return "notice_period", None
    return "active", None


def _employee(ctx: GenContext, row: dict, dept_id: dict[str, str], pools: dict[str, tuple]) -> dict:
    spec: vocab.DepartmentSpec = row["_spec"]
    skills, certifications = pools[spec.name]
    status, terminated_on = _employment(ctx, row)
    location = ctx.pick(spec.locations)
    manager = row["_parent"]
    level = row["_level"]
    work_type = "full_time"
    if not row["_has_reports"] and row["_depth"] > 0:
        work_type = WORK_TYPES.pick(ctx)
    if work_type == "intern":
        level, row["job_title"] = 1, f"{spec.name} Intern"
    return {
        "id": row["id"], "updated_at": ctx.updated_at(), "employee_id": row["id"],
        "first_name": row["first_name"], "last_name": row["last_name"], "email": row["email"],
        "phone": make_phone(ctx, location), "department": spec.name, "department_id": dept_id[spec.name],
        "job_title": row["job_title"], "manager_id": manager["id"] if manager else None,
        "hire_date": row["hire_date"].isoformat(),
        "termination_date": terminated_on.isoformat() if terminated_on else None,
        "employment_status": status, "location": location, "work_type": work_type,
        "manager_name": f"{manager['first_name']} {manager['last_name']}" if manager else None,
        "skills": list(ctx.pick(skills)), "certifications": list(ctx.pick(certifications)),
        "performance_rating": None if status == "probation" else ctx.pick(vocab.PERFORMANCE_RATINGS),
        "salary_band": f"L{level}",
    }  # fmt: skip
