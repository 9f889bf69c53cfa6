"""HR's simulated actions keep the world consistent and stamp every record they touch."""

from __future__ import annotations

import datetime as dt

import pytest

from mock_hrms.world import Conflict, RuleViolation
from mock_hrms.world.tests.invariants import ALL_CHECKS


def check_all(world) -> None:
    for check in ALL_CHECKS:
        check(world)


def changed_since(world, since: dt.datetime) -> set[tuple[str, str]]:
    return {
        (entity, item["id"])
        for entity, table in world.tables.items()
        for item in table.page(updated_since=since, include_deleted=True, page_size=100_000).items
    }


def a_manager(world) -> dict:
    """A working non-head manager with direct reports."""
    heads = {d["head_id"] for d in world.tables["departments"].values()}
    return next(
        e
        for e in world.tables["employees"].values()
        if world.reports.get(e["id"]) and e["id"] not in heads and e["employment_status"] != "terminated"
    )


def a_head(world) -> dict:
    ceo = world.ceo_id()
    dept = next(d for d in world.tables["departments"].values() if d["head_id"] != ceo and d["employee_count"] > 3)
    return world.tables["employees"].get(dept["head_id"])


def test_hire_adds_an_employee_under_a_manager_in_the_department(world):
    dept = next(d for d in world.tables["departments"].values() if d["name"] == "Engineering")
    count = dept["employee_count"]
    hired = world.sim.hire(department_id=dept["id"])
    manager = world.tables["employees"].get(hired["manager_id"])
    assert manager["department_id"] == dept["id"]
    assert hired["employment_status"] == "probation"
    assert world.tables["departments"].get(dept["id"])["employee_count"] == count + 1
    check_all(world)


def test_update_employee_changes_only_its_own_fields(world):
    record = world.sim.update_employee("EMP00010", job_title="Staff Software Engineer", phone="+91-9123456789")
    assert (record["job_title"], record["phone"]) == ("Staff Software Engineer", "+91-9123456789")
    with pytest.raises(RuleViolation) as caught:
        world.sim.update_employee("EMP00010", manager_id="EMP00002")
    assert caught.value.code == "field_not_updatable"


def test_terminate_reparents_reports_to_the_managers_manager(world):
    manager = a_manager(world)
    reports = sorted(world.reports[manager["id"]])
    since = world.clock()
    world.sim.terminate(manager["id"])
    for report in reports:
        assert world.tables["employees"].get(report)["manager_id"] == manager["manager_id"]
    touched = changed_since(world, since)
    assert {("employees", r) for r in reports} <= touched
    assert ("departments", manager["department_id"]) in touched
    terminated = world.tables["employees"].get(manager["id"])
    assert terminated["termination_date"] == world.today().isoformat()
    check_all(world)


def test_terminating_a_head_promotes_a_successor(world):
    head = a_head(world)
    dept_id = head["department_id"]
    world.sim.terminate(head["id"])
    dept = world.tables["departments"].get(dept_id)
    successor = world.tables["employees"].get(dept["head_id"])
    assert successor["id"] != head["id"]
    assert successor["manager_id"] == head["manager_id"]
    check_all(world)


def test_transfer_moves_counts_and_puts_the_person_under_the_new_head(world):
    employee = next(
        e
        for e in world.tables["employees"].values()
        if e["department"] == "Sales" and e["employment_status"] == "active" and not world.reports.get(e["id"])
    )
    target = next(d for d in world.tables["departments"].values() if d["name"] == "Finance")
    before = {d["id"]: d["employee_count"] for d in world.tables["departments"].values()}
    moved = world.sim.transfer(employee["id"], target["id"])
    assert (moved["department"], moved["manager_id"]) == ("Finance", target["head_id"])
    after = {d["id"]: d["employee_count"] for d in world.tables["departments"].values()}
    assert after[target["id"]] == before[target["id"]] + 1
    assert after[employee["department_id"]] == before[employee["department_id"]] - 1
    check_all(world)


def test_transferring_a_head_picks_a_new_head(world):
    head = a_head(world)
    target = next(
        d for d in world.tables["departments"].values() if d["id"] != head["department_id"] and d["employee_count"]
    )
    world.sim.transfer(head["id"], target["id"])
    assert world.tables["departments"].get(head["department_id"])["head_id"] != head["id"]
    check_all(world)


def test_the_ceo_cannot_be_terminated(world):
    with pytest.raises(RuleViolation):
        world.sim.terminate(world.ceo_id())


def test_withdrawing_a_candidate_cancels_their_scheduled_interviews(world):
    interview = next(i for i in world.tables["interviews"].values() if i["status"] == "scheduled")
    candidate = world.sim.withdraw_candidate(interview["candidate_id"])
    assert candidate["status"] == "withdrawn"
    assert world.tables["interviews"].get(interview["id"])["status"] == "cancelled"
    with pytest.raises(Conflict):
        world.sim.withdraw_candidate(candidate["id"])
    check_all(world)


def test_decide_leave_only_decides_pending_requests(world):
    pending = next(lv for lv in world.tables["leave_requests"].values() if lv["status"] == "pending")
    assert world.sim.decide_leave(pending["id"], approve=True)["status"] == "approved"
    with pytest.raises(Conflict):
        world.sim.decide_leave(pending["id"], approve=False)


def test_deleting_an_employee_reparents_reports_and_tombstones_their_leave(world):
    manager = next(
        e for e in world.tables["employees"].values()
        if world.reports.get(e["id"]) and not world.interviews_by_interviewer.get(e["id"]) and e["manager_id"]
        and world.leaves_by_employee.get(e["id"])
    )  # fmt: skip
    leaves = list(world.leaves_by_employee[manager["id"]])
    world.sim.delete("employees", manager["id"])
    assert world.tables["employees"].get(manager["id"]) is None
    assert all(world.tables["leave_requests"].get_any(i)["deleted"] for i in leaves)
    check_all(world)


def test_an_interviewer_on_record_cannot_be_deleted(world):
    interviewer_id = next(iter(world.tables["interviews"].values()))["interviewer_id"]
    with pytest.raises(Conflict) as caught:
        world.sim.delete("employees", interviewer_id)
    assert caught.value.code == "employee_referenced"


def test_deleting_an_interview_removes_it_from_the_history(world):
    interview = next(iter(world.tables["interviews"].values()))
    world.sim.delete("interviews", interview["id"])
    history = world.tables["candidates"].get(interview["candidate_id"])["interview_history"]
    assert interview["id"] not in {h["interview_id"] for h in history}
    check_all(world)


def test_random_batch_reports_what_it_changed(world):
    since = world.clock()
    changes = world.sim.random_batch(30, seed=9)
    assert len(changes) == 30
    assert {c["action"] for c in changes} >= {"update_employee", "hire"}
    touched = changed_since(world, since)
    assert {(c["entity"], c["id"]) for c in changes} <= touched


def test_random_batch_is_deterministic():
    from mock_hrms.world import generate_world
    from mock_hrms.world.tests.conftest import REFERENCE_DATE

    runs = [generate_world(reference_date=REFERENCE_DATE).sim.random_batch(50, seed=3) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("seed", [1, 2])
def test_world_stays_consistent_through_500_random_actions(world, seed):
    for round_ in range(5):
        world.sim.random_batch(100, seed=seed * 100 + round_)
        check_all(world)


def test_an_update_must_stay_a_canonical_employee(world):
    with pytest.raises(RuleViolation) as caught:
        world.sim.update_employee("EMP00010", employment_status="fired")
    assert caught.value.field == "employment_status"


def test_a_hire_under_a_manager_of_another_department_is_422(world):
    sales = world.department_by_name["Sales"]
    outsider = next(e for e in world.tables["employees"].values() if e["department"] == "Finance")
    with pytest.raises(RuleViolation) as caught:
        world.sim.hire(department_id=sales, manager_id=outsider["id"])
    assert caught.value.code == "manager_not_in_department"


def test_hires_get_unique_emails(world):
    emails = [world.sim.hire()["email"] for _ in range(200)]
    everyone = [e["email"] for e in world.tables["employees"].values()]
    assert len(set(emails)) == 200
    assert len(set(everyone)) == len(everyone)
