"""HR doing its job: the changes a real HRMS sees between two syncs, applied consistently.

Every action stamps `updated_at` on each record it touches — re-parented reports, department counts and
heads, requisitions that lose a hiring manager, candidates whose history changes — because a sync that
is told "nothing else changed" must be right. `random_batch` mixes actions with realistic weights so
tests and the mock's control surface can age a world (property-style consistency checks use it).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hrmodel import canonical
from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.errors import Conflict, RuleViolation
from mock_hrms.world.generate_context import GenContext
from mock_hrms.world.generate_org import NamePicker, make_phone
from mock_hrms.world.records import changed, full_name
from mock_hrms.world.staffing import Staffing

if TYPE_CHECKING:
    from mock_hrms.world.world import World

UPDATABLE_EMPLOYEE_FIELDS = frozenset({
    "job_title", "phone", "location", "skills", "certifications", "performance_rating", "salary_band",
    "work_type", "employment_status",
})  # fmt: skip
ACTION_WEIGHTS = (("update_employee", 40), ("hire", 15), ("decide_leave", 15), ("transfer", 8),
                  ("terminate", 6), ("withdraw_candidate", 6), ("delete", 10))  # fmt: skip


class Simulation(Staffing):
    """The HR team's actions on one world; each returns the main record it changed."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._names = NamePicker(GenContext(seed=world.seed, employees=1, reference_date=world.reference_date))
        self._names.taken = {e["email"].split("@")[0] for e in world.tables["employees"].values()}

    def hire(self, **overrides: object) -> dict:
        """A new employee in a department (random unless given), reporting to a manager there."""
        world, rng = self.world, self.world.rng
        dept_id = str(overrides.pop("department_id", "") or rng.choice(self._hiring_departments()))
        dept = world.require("departments", dept_id, "department_id")
        members = sorted(world.members.get(dept_id, ()))
        manager_id = overrides.pop("manager_id", None) or (
            rng.choice([m for m in members if world.reports.get(m)] or members) if members else world.ceo_id()
        )
        manager = world.require("employees", str(manager_id), "manager_id")
        if members and manager["id"] not in members:
            raise RuleViolation(
                "manager_not_in_department", f"{manager['id']} does not work in {dept_id}.", "manager_id"
            )
        spec = next((s for s in vocab.DEPARTMENTS if s.name == dept["name"]), vocab.DEPARTMENTS[1])
        first, last, email, gender = self._names.person()
        location = rng.choice(spec.locations)
        level = rng.choice((1, 2, 3))
        employee_id = world.next_id("employees")
        record = {
            "id": employee_id, "updated_at": world.stamp(), "employee_id": employee_id, "first_name": first,
            "last_name": last, "email": email, "phone": make_phone(self._names.ctx, location),
            "department": dept["name"], "department_id": dept_id, "job_title": spec.ic_titles[level - 1],
            "manager_id": manager["id"], "hire_date": world.today().isoformat(), "termination_date": None,
            "employment_status": "probation", "location": location, "work_type": "full_time",
            "manager_name": full_name(manager), "skills": rng.sample(spec.skills, min(3, len(spec.skills))),
            "certifications": [], "performance_rating": None, "salary_band": f"L{level}",
        }  # fmt: skip
        unknown = set(overrides) - UPDATABLE_EMPLOYEE_FIELDS - {"first_name", "last_name", "email"}
        if unknown:
            raise RuleViolation("field_not_settable", f"Cannot set {sorted(unknown)} on a hire.", sorted(unknown)[0])
        record.update(overrides)
        _validate(record)
        world.tables["employees"].put(record)
        world.gender[employee_id] = gender
        world.reports[manager["id"]].add(employee_id)
        self._join(record, dept_id, world.stamp())
        return record

    def update_employee(self, id: str, **changes: object) -> dict:
        """Change an employee's own fields (title, phone, location, skills, ...); names and org stay."""
        world = self.world
        employee = world.require("employees", id)
        unknown = set(changes) - UPDATABLE_EMPLOYEE_FIELDS
        if unknown:
            raise RuleViolation(
                "field_not_updatable", f"{sorted(unknown)} cannot be changed this way.", sorted(unknown)[0]
            )
        if changes.get("employment_status") == "terminated":
            return self.terminate(id)
        if employee["employment_status"] == "terminated":
            raise RuleViolation("employee_terminated", f"Employee {id} no longer works here.", "employee_id")
        record = changed(employee, world.stamp(), **changes)
        _validate(record)
        world.tables["employees"].put(record)
        return record

    def transfer(self, id: str, department_id: str) -> dict:
        """Move an employee to another department under a manager there; headships and counts follow."""
        world = self.world
        employee = self._movable(id)
        dept = world.require("departments", department_id, "department_id")
        if dept["id"] == employee["department_id"]:
            raise RuleViolation("same_department", f"{id} already works in {dept['name']}.", "department_id")
        stamp = world.stamp()
        old_dept_id = employee["department_id"]
        self._vacate(employee, stamp)
        employee = world.tables["employees"].get(id)
        members = sorted(world.members.get(department_id, ()))
        manager_id = dept["head_id"] if dept["head_id"] in world.members.get(department_id, ()) else None
        manager = world.tables["employees"].get(manager_id or (members[0] if members else world.ceo_id()))
        self._set_manager(employee, manager, stamp, department=dept["name"], department_id=department_id)
        self._leave(employee, old_dept_id, stamp)
        self._join(employee, department_id, stamp)
        return world.tables["employees"].get(id)

    def terminate(self, id: str) -> dict:
        """Status terminated from today; reports move to the terminated person's manager."""
        world = self.world
        employee = self._movable(id)
        stamp = world.stamp()
        self._vacate(employee, stamp)
        record = changed(
            world.tables["employees"].get(id), stamp, employment_status="terminated",
            termination_date=world.today().isoformat(),
        )  # fmt: skip
        world.tables["employees"].put(record)
        self._leave(record, record["department_id"], stamp)
        return record

    def withdraw_candidate(self, id: str) -> dict:
        """The candidate withdraws: status withdrawn, their scheduled interviews are cancelled."""
        world = self.world
        candidate = world.require("candidates", id)
        if candidate["status"] in ("hired", "withdrawn"):
            raise Conflict("illegal_transition", f"Candidate {id} is already {candidate['status']}.")
        stamp = world.stamp()
        world.tables["candidates"].put(changed(candidate, stamp, status="withdrawn"))
        interviews = world.tables["interviews"]
        for interview_id in world.interviews_by_candidate.get(id, ()):
            interview = interviews.get(interview_id)
            if interview is not None and interview["status"] == "scheduled":
                world.put_interview(changed(interview, stamp, status="cancelled"), stamp)
        return world.tables["candidates"].get(id)

    def decide_leave(self, id: str, approve: bool) -> dict:
        """A manager approves or rejects a pending leave request."""
        world = self.world
        leave = world.require("leave_requests", id)
        if leave["status"] != "pending":
            raise Conflict("illegal_transition", f"Leave request {id} is {leave['status']}, not pending.")
        record = changed(leave, world.stamp(), status="approved" if approve else "rejected")
        world.tables["leave_requests"].put(record)
        return record

    def random_batch(self, count: int, seed: int) -> list[dict]:
        """`count` random HR actions (deterministic for the seed and the world's state)."""
        rng = random.Random(seed)
        actions, weights = zip(*ACTION_WEIGHTS, strict=True)
        done: list[dict] = []
        attempts = 0
        while len(done) < count and attempts < count * 20:
            attempts += 1
            action = rng.choices(actions, weights)[0]
            change = getattr(self, f"_random_{action}")(rng)
            if change is not None:
                done.append(change)
        return done

    # ---- random action pickers (None when the world offers nothing to do) -----------------------------

    def _random_update_employee(self, rng: random.Random) -> dict | None:
        employee = self._random_employee(rng)
        if employee is None:
            return None
        spec = next((s for s in vocab.DEPARTMENTS if s.name == employee["department"]), vocab.DEPARTMENTS[1])
        change = rng.choice((
            {"phone": make_phone(self._names.ctx, employee["location"])},
            {"location": rng.choice(spec.locations)},
            {"skills": rng.sample(spec.skills, min(len(spec.skills), rng.randint(2, 5)))},
            {"performance_rating": rng.choice(vocab.PERFORMANCE_RATINGS)},
            {"employment_status": rng.choice(("active", "on_leave", "active"))},
        ))  # fmt: skip
        self.update_employee(employee["id"], **change)
        return {"action": "update_employee", "entity": "employees", "id": employee["id"]}

    def _random_hire(self, rng: random.Random) -> dict | None:
        record = self.hire()
        return {"action": "hire", "entity": "employees", "id": record["id"]}

    def _random_transfer(self, rng: random.Random) -> dict | None:
        employee = self._random_employee(rng)
        others = [d for d in self._hiring_departments() if employee and d != employee["department_id"]]
        if employee is None or not others:
            return None
        self.transfer(employee["id"], rng.choice(others))
        return {"action": "transfer", "entity": "employees", "id": employee["id"]}

    def _random_terminate(self, rng: random.Random) -> dict | None:
        employee = self._random_employee(rng)
        if employee is None:
            return None
        self.terminate(employee["id"])
        return {"action": "terminate", "entity": "employees", "id": employee["id"]}

    def _random_withdraw_candidate(self, rng: random.Random) -> dict | None:
        candidate = self._random_record("candidates", rng)
        if candidate is None or candidate["status"] in ("hired", "withdrawn"):
            return None
        self.withdraw_candidate(candidate["id"])
        return {"action": "withdraw_candidate", "entity": "candidates", "id": candidate["id"]}

    def _random_decide_leave(self, rng: random.Random) -> dict | None:
        leave = self._random_record("leave_requests", rng)
        if leave is None or leave["status"] != "pending":
            return None
        self.decide_leave(leave["id"], approve=rng.random() < 0.8)
        return {"action": "decide_leave", "entity": "leave_requests", "id": leave["id"]}

    def _random_delete(self, rng: random.Random) -> dict | None:
        entity = rng.choice(("leave_requests", "candidates", "employees"))
        record = self._random_record(entity, rng)
        if record is None or (entity == "employees" and not self._deletable(record)):
            return None
        self.delete(entity, record["id"])
        return {"action": "delete", "entity": entity, "id": record["id"]}

    def _random_record(self, entity: str, rng: random.Random) -> dict | None:
        table = self.world.tables[entity]
        return table.get(rng.choice(table.ids())) if len(table) else None

    def _random_employee(self, rng: random.Random) -> dict | None:
        """A working employee other than the CEO."""
        employee = self._random_record("employees", rng)
        if employee is None or employee["employment_status"] == "terminated" or employee["id"] == self.world.ceo_id():
            return None
        return employee

    def _hiring_departments(self) -> list[str]:
        executive = self.world.department_by_name.get(vocab.EXECUTIVE_OFFICE)
        return [d for d in self.world.tables["departments"].ids() if d != executive] or [executive]


def _validate(employee: dict) -> None:
    """A hire or an update must still be a canonical employee (a status of "fired" is a 422, not data)."""
    try:
        canonical.EmployeeDetail.model_validate(employee)
    except ValidationError as e:
        error = e.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else None
        raise RuleViolation("invalid_field", f"{field}: {error['msg']}", field) from e
