"""The org-chart bookkeeping behind the simulation: who reports to whom, who heads what, counts, deletes.

Separate from `simulation.py` because these are the invariants (one tree ending at the CEO, heads work
in their department, counts equal members, hiring managers work in the requisition's department), and
every action — transfer, termination, deletion — goes through the same few steps to keep them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_hrms.world.errors import Conflict, RuleViolation
from mock_hrms.world.records import changed, full_name

if TYPE_CHECKING:
    from mock_hrms.world.world import World


class Staffing:
    def __init__(self, world: World) -> None:
        self.world = world

    # ---- deletion -----------------------------------------------------------------------------------

    def delete(self, entity: str, id: str) -> dict:
        """Delete a record (tombstone), refusing when live records still depend on it."""
        world = self.world
        record = world.require(entity, id)
        stamp = world.stamp()
        if entity == "employees":
            if not self._deletable(record):
                raise Conflict("employee_referenced", f"Employee {id} is the CEO or has interviews on record.")
            self._vacate(record, stamp)
            self._leave(record, record["department_id"], stamp)
            world.reports.get(record["manager_id"], set()).discard(id)
            for leave_id in world.leaves_by_employee.pop(id, []):
                if leave_id in world.tables["leave_requests"]:
                    world.tables["leave_requests"].delete(leave_id, stamp)
        elif entity == "candidates":
            for interview_id in world.interviews_by_candidate.pop(id, []):
                if interview_id in world.tables["interviews"]:
                    self._forget_interview(world.tables["interviews"].get(interview_id))
                    world.tables["interviews"].delete(interview_id, stamp)
            world.candidate_by_job_email.pop((record["applied_for_job_id"], record["email"]), None)
            world.candidates_by_job[record["applied_for_job_id"]].discard(id)
        elif entity == "interviews":
            self._forget_interview(record)
            world.interviews_by_candidate[record["candidate_id"]].remove(id)
        elif entity == "leave_requests":
            world.leaves_by_employee[record["employee_id"]].remove(id)
        elif entity == "job_requisitions" and world.candidates_by_job.get(id):
            raise Conflict("requisition_referenced", f"Requisition {id} still has candidates.")
        elif entity == "departments" and self._department_in_use(id):
            raise Conflict("department_not_empty", f"Department {id} still has employees or sub-departments.")
        tombstone = world.tables[entity].delete(id, stamp)
        if entity == "interviews":
            world.refresh_candidate(record["candidate_id"], stamp)
        return tombstone

    def _forget_interview(self, interview: dict) -> None:
        self.world.interviews_by_interviewer[interview["interviewer_id"]].remove(interview["id"])

    def _deletable(self, employee: dict) -> bool:
        world = self.world
        interviews = world.tables["interviews"]
        has_interviews = any(i in interviews for i in world.interviews_by_interviewer.get(employee["id"], ()))
        return employee["id"] != world.ceo_id() and not has_interviews

    def _department_in_use(self, dept_id: str) -> bool:
        world = self.world
        if any(d["parent_id"] == dept_id for d in world.tables["departments"].values()):
            return True
        return any(e["department_id"] == dept_id for e in world.tables["employees"].values())

    # ---- positions ----------------------------------------------------------------------------------

    def _movable(self, id: str) -> dict:
        """A working employee who may leave their position (everyone but the CEO)."""
        employee = self.world.require("employees", id)
        if id == self.world.ceo_id():
            raise RuleViolation("ceo_immovable", "The CEO cannot be transferred or terminated.", "employee_id")
        if employee["employment_status"] == "terminated":
            raise RuleViolation("employee_terminated", f"Employee {id} no longer works here.", "employee_id")
        return employee

    def _vacate(self, employee: dict, stamp: str) -> None:
        """The employee leaves their position: a head gets a successor, reports and requisitions move.

        A head's successor is one of their direct reports in the department (else any member) and takes
        over the head's manager and remaining reports; anyone else's reports go to their own manager.
        """
        world = self.world
        employees = world.tables["employees"]
        dept = world.tables["departments"].get(employee["department_id"])
        heir_id = employee["manager_id"]
        if dept is not None and dept["head_id"] == employee["id"]:
            members = world.members.get(dept["id"], set()) - {employee["id"]}
            reports = sorted(members & world.reports.get(employee["id"], set()))
            pool = reports or sorted(members)
            successor = max(pool, key=lambda e: len(world.reports.get(e, ())), default=None)
            if successor is not None:
                self._set_manager(employees.get(successor), employees.get(employee["manager_id"]), stamp)
                heir_id = successor
            self._set_head(dept, successor, stamp)
        heir = employees.get(heir_id) if heir_id else None
        for report_id in sorted(world.reports.get(employee["id"], set()) - {heir_id}):
            self._set_manager(employees.get(report_id), heir, stamp)
        self._reassign_requisitions(employee["id"], heir, stamp)

    def _reassign_requisitions(self, manager_id: str, heir: dict | None, stamp: str) -> None:
        """Requisitions of a departing hiring manager go to the heir, or to their department's head."""
        world = self.world
        jobs = world.tables["job_requisitions"]
        for job in [j for j in jobs.values() if j["hiring_manager_id"] == manager_id]:
            dept_id = world.department_by_name.get(job["department"])
            members = world.members.get(dept_id, set()) - {manager_id}
            new = heir if heir is not None and heir["id"] in members else None
            if new is None:
                dept = world.tables["departments"].get(dept_id)
                head_id = dept["head_id"] if dept and dept["head_id"] in members else min(members, default=None)
                new = world.tables["employees"].get(head_id) if head_id else None
            jobs.put(changed(
                job, stamp, hiring_manager_id=new["id"] if new else None,
                hiring_manager_name=full_name(new) if new else None,
            ))  # fmt: skip

    def _set_manager(self, employee: dict, manager: dict | None, stamp: str, **extra: object) -> None:
        world = self.world
        world.reports.get(employee["manager_id"], set()).discard(employee["id"])
        if manager is not None:
            world.reports[manager["id"]].add(employee["id"])
        record = changed(
            employee, stamp, manager_id=manager["id"] if manager else None,
            manager_name=full_name(manager) if manager else None, **extra,
        )  # fmt: skip
        world.tables["employees"].put(record)

    def _set_head(self, dept: dict, head_id: str | None, stamp: str) -> None:
        head = self.world.tables["employees"].get(head_id) if head_id else None
        self.world.tables["departments"].put(
            changed(dept, stamp, head_id=head_id, head_name=full_name(head) if head else None)
        )

    def _join(self, employee: dict, dept_id: str, stamp: str) -> None:
        """Count a working employee in a department; an empty department gets them as head."""
        world = self.world
        members = world.members[dept_id]
        members.add(employee["id"])
        dept = changed(world.tables["departments"].get(dept_id), stamp, employee_count=len(members))
        world.tables["departments"].put(dept)
        if dept["head_id"] is None:
            self._set_head(dept, employee["id"], stamp)

    def _leave(self, employee: dict, dept_id: str, stamp: str) -> None:
        """Stop counting an employee in a department (re-read: vacating may have changed its head)."""
        world = self.world
        members = world.members[dept_id]
        members.discard(employee["id"])
        dept = world.tables["departments"].get(dept_id)
        world.tables["departments"].put(changed(dept, stamp, employee_count=len(members)))
