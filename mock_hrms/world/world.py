"""The World: the HRMS's tables, its clock, derived reads and the indexes that keep them fast.

Records live in `Table`s (the source of truth). The World adds the indexes a real HRMS keeps to answer
"who reports to X", "X's leave requests", "X's interviews" without scanning 100k rows, and rebuilds them
from the tables (`rebuild_indexes`) so they can never disagree with the data after generation. Writes
(business rules) live in `writes.py` and HR's own changes in `simulation.py`; both keep these indexes
and every denormalised field (department counts, interview history, names) up to date.

World time: `now()` starts at the reference date (real time when it is today, noon in Asia/Kolkata
otherwise) and advances with the real monotonic clock, so a world generated for a fixed date behaves
the same on any day. `clock()` is `now()` made strictly increasing, the stamp of every change.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from functools import cached_property

from mock_hrms.world import vocabulary as vocab
from mock_hrms.world import writes
from mock_hrms.world.errors import NotFound, RuleViolation
from mock_hrms.world.generate_context import BUSINESS_TZ, business_today, iso_utc
from mock_hrms.world.records import changed, full_name
from mock_hrms.world.recruiting import candidate_after
from mock_hrms.world.simulation import Simulation
from mock_hrms.world.table import Table, to_micros
from mock_hrms.world.workdays import working_days

_ONE_MICRO = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ID_FORMATS = {  # entity -> (id prefix, minimum digits)
    "departments": ("DEPT", 3),
    "employees": ("EMP", 5),
    "job_requisitions": ("JOB", 3),
    "candidates": ("CAND", 4),
    "interviews": ("INT", 4),
    "leave_requests": ("LEAVE", 5),
}
MIN_YEAR, MAX_YEAR = 1900, 2100
LEAVE_TYPES = ("annual", "sick", "casual", "maternity", "paternity", "unpaid")


class World:
    """One organisation's HR data plus the rules and simulated HR activity that change it."""

    def __init__(self, *, seed: int, reference_date: dt.date, tables: dict[str, Table], gender: dict[str, str]) -> None:
        self.seed = seed
        self.reference_date = reference_date
        self.tables = tables
        self.gender = gender  # not a canonical field; decides maternity/paternity eligibility
        self.rng = random.Random(f"{seed}:writes")
        if reference_date == business_today():
            self._anchor = dt.datetime.now(dt.UTC)
        else:
            self._anchor = dt.datetime.combine(reference_date, dt.time(12), BUSINESS_TZ).astimezone(dt.UTC)
        self._started = time.monotonic()
        newest = max((table.newest_micros() for table in tables.values()), default=0)
        self._last = _EPOCH + dt.timedelta(microseconds=newest)
        self._id_numbers: dict[str, list[int]] = {}
        for table in tables.values():
            table.clock = self.stamp
        self.rebuild_indexes()

    @cached_property
    def sim(self) -> Simulation:
        """HR doing its job: hires, transfers, terminations, decisions (see simulation.py)."""
        return Simulation(self)

    # ---- time ----------------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The world's current instant (aware UTC); see the module docstring."""
        return self._anchor + dt.timedelta(seconds=time.monotonic() - self._started)

    def today(self) -> dt.date:
        return self.now().astimezone(BUSINESS_TZ).date()

    def clock(self) -> dt.datetime:
        """Aware UTC now, strictly increasing across calls, so (updated_at, id) orders every change."""
        instant = max(self.now(), self._last + _ONE_MICRO)
        self._last = instant
        return instant

    def stamp(self) -> str:
        """`clock()` in the records' updated_at format."""
        return iso_utc(self.clock())

    # ---- indexes -------------------------------------------------------------------------------------

    def rebuild_indexes(self) -> None:
        """Derive every index from the tables (after generation, or to prove they agree in tests)."""
        self.department_by_name = {d["name"]: d["id"] for d in self.tables["departments"].values()}
        self.members: dict[str, set[str]] = defaultdict(set)  # department -> employees counted in it
        self.reports: dict[str, set[str]] = defaultdict(set)  # manager -> direct reports
        for emp in self.tables["employees"].values():
            if emp["employment_status"] != "terminated":
                self.members[emp["department_id"]].add(emp["id"])
            if emp["manager_id"]:
                self.reports[emp["manager_id"]].add(emp["id"])
        self.leaves_by_employee: dict[str, list[str]] = defaultdict(list)
        for leave in self.tables["leave_requests"].values():
            self.leaves_by_employee[leave["employee_id"]].append(leave["id"])
        self.interviews_by_candidate: dict[str, list[str]] = defaultdict(list)
        self.interviews_by_interviewer: dict[str, list[str]] = defaultdict(list)
        for interview in self.tables["interviews"].values():
            self.interviews_by_candidate[interview["candidate_id"]].append(interview["id"])
            if interview["interviewer_id"]:
                self.interviews_by_interviewer[interview["interviewer_id"]].append(interview["id"])
        self.candidate_by_job_email: dict[tuple[str, str], str] = {
            (c["applied_for_job_id"], c["email"]): c["id"] for c in self.tables["candidates"].values()
        }
        self.candidates_by_job: dict[str, set[str]] = defaultdict(set)
        for candidate in self.tables["candidates"].values():
            self.candidates_by_job[candidate["applied_for_job_id"]].add(candidate["id"])

    # ---- index maintenance (used by writes and simulation) ---------------------------------------------

    def next_id(self, entity: str) -> str:
        """The next id of an entity: prefix + one more than the highest number ever used (deleted too)."""
        prefix, minimum = ID_FORMATS[entity]
        numbers = self._id_numbers.get(entity)
        if numbers is None:
            table = self.tables[entity]
            ids = [*table.ids(), *(t["id"] for t in table.tombstones())]
            width = max((len(i) - len(prefix) for i in ids), default=minimum)
            numbers = [max((int(i[len(prefix) :]) for i in ids), default=0), width]
            self._id_numbers[entity] = numbers
        numbers[0] += 1
        return f"{prefix}{numbers[0]:0{numbers[1]}d}"

    def put_interview(self, interview: dict, stamp: str) -> None:
        """Store an interview and keep its indexes and its candidate's history and stage in step."""
        previous = self.tables["interviews"].get(interview["id"])
        by_interviewer = self.interviews_by_interviewer
        if previous is None:
            self.interviews_by_candidate[interview["candidate_id"]].append(interview["id"])
            by_interviewer[interview["interviewer_id"]].append(interview["id"])
        elif previous["interviewer_id"] != interview["interviewer_id"]:
            by_interviewer[previous["interviewer_id"]].remove(interview["id"])
            by_interviewer[interview["interviewer_id"]].append(interview["id"])
        self.tables["interviews"].put(interview)
        self.refresh_candidate(interview["candidate_id"], stamp)

    def refresh_candidate(self, candidate_id: str, stamp: str) -> None:
        """Re-derive a candidate's interview_history (and stage) from its live interviews."""
        candidate = self.tables["candidates"].get(candidate_id)
        if candidate is None:
            return
        interviews = self.tables["interviews"]
        own = [interviews.get(i) for i in self.interviews_by_candidate.get(candidate_id, ()) if i in interviews]
        fields = candidate_after(candidate, own)
        if any(candidate.get(name) != value for name, value in fields.items()):
            self.tables["candidates"].put(changed(candidate, stamp, **fields))

    # ---- lookups -------------------------------------------------------------------------------------

    def require(self, entity: str, id: str, field: str | None = None) -> dict:
        """The live record or NotFound (404) naming the entity and the offending field."""
        record = self.tables[entity].get(id)
        if record is None:
            raise NotFound(entity, id, field)
        return record

    def ceo_id(self) -> str:
        executive = self.tables["departments"].get(self.department_by_name[vocab.EXECUTIVE_OFFICE])
        return executive["head_id"]

    # ---- derived reads -------------------------------------------------------------------------------

    def reporting_chain(self, employee_id: str) -> dict:
        """canonical.ReportingChain: managers from the direct one (level 1) up to the CEO."""
        employees = self.tables["employees"]
        employee = self.require("employees", employee_id)
        chain = []
        seen = {employee_id}
        manager_id = employee["manager_id"]
        while manager_id and manager_id not in seen:
            seen.add(manager_id)
            manager = employees.get(manager_id)
            if manager is None:
                break
            chain.append({
                "level": len(chain) + 1, "employee_id": manager["id"],
                "name": full_name(manager), "title": manager["job_title"],
            })  # fmt: skip
            manager_id = manager["manager_id"]
        return {"employee_id": employee_id, "employee_name": full_name(employee), "reporting_chain": chain}

    def leave_allocation(self, employee: dict, leave_type: str, year: int) -> int:
        """Days of `leave_type` the employee is entitled to in `year` (none before they were hired)."""
        if year < int(employee["hire_date"][:4]):
            return 0
        if leave_type == "annual":
            return vocab.annual_allocation(dt.date.fromisoformat(employee["hire_date"]), dt.date(year, 12, 31))
        if leave_type == "maternity" and self.gender.get(employee["id"]) != "female":
            return 0
        if leave_type == "paternity" and self.gender.get(employee["id"]) != "male":
            return 0
        return vocab.LEAVE_ALLOCATION[leave_type]

    def leave_usage(self, employee_id: str, year: int, *, exclude: str | None = None) -> dict[str, list]:
        """{leave_type: [used, pending]} in working days falling in `year` (approved / pending)."""
        usage = {leave_type: [0, 0] for leave_type in LEAVE_TYPES}
        leaves = self.tables["leave_requests"]
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        for leave_id in self.leaves_by_employee.get(employee_id, ()):
            leave = leaves.get(leave_id)
            if leave is None or leave_id == exclude or leave["status"] not in ("approved", "pending"):
                continue
            start = max(dt.date.fromisoformat(leave["start_date"]), first)
            end = min(dt.date.fromisoformat(leave["end_date"]), last)
            days = working_days(start, end)
            usage[leave["leave_type"]][leave["status"] == "pending"] += days
        return usage

    def leave_balance(self, employee_id: str, year: int | None = None) -> dict:
        """canonical.LeaveBalance: allocation - used(approved) - pending, per leave type, O(own requests)."""
        employee = self.require("employees", employee_id)
        year = self.today().year if year is None else year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise RuleViolation("invalid_year", f"year must be between {MIN_YEAR} and {MAX_YEAR}.", "year")
        usage = self.leave_usage(employee_id, year)
        leaves = self.tables["leave_requests"]
        stamps = [leaves.get(i)["updated_at"] for i in self.leaves_by_employee.get(employee_id, ()) if i in leaves]
        balances = []
        for leave_type in LEAVE_TYPES:
            allocated = self.leave_allocation(employee, leave_type, year)
            used, pending = usage[leave_type]
            balances.append({
                "leave_type": leave_type, "total_allocated": allocated, "used": used, "pending": pending,
                "available": max(0, allocated - used - pending),
            })  # fmt: skip
        updated_at = max([employee["updated_at"], *stamps], key=to_micros)
        return {"employee_id": employee_id, "leave_balances": balances, "year": year, "updated_at": updated_at}

    # ---- writes (business rules; see writes.py) ------------------------------------------------------

    def create_candidate(self, req) -> dict:
        return writes.create_candidate(self, req)

    def schedule_interview(self, req) -> dict:
        return writes.schedule_interview(self, req)

    def update_interview(self, interview_id: str, req) -> dict:
        return writes.update_interview(self, interview_id, req)

    def create_leave_request(self, req) -> dict:
        return writes.create_leave_request(self, req)
