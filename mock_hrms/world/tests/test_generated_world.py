"""A generated world is realistic, consistent and reproducible."""

from __future__ import annotations

import re
from collections import Counter

import orjson
import pytest

from hrmodel import canonical, catalogue
from mock_hrms.world import generate_world
from mock_hrms.world.tests.conftest import REFERENCE_DATE
from mock_hrms.world.tests.invariants import ALL_CHECKS


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_default_world_is_consistent(default_world, check):
    check(default_world)


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_5000_employee_world_is_consistent(world_5k, check):
    check(world_5k)


def test_default_world_has_the_seed_sizes(default_world):
    sizes = {entity: len(table) for entity, table in default_world.tables.items()}
    assert sizes["employees"] == 150
    assert 10 <= sizes["departments"] <= 12
    assert (sizes["job_requisitions"], sizes["candidates"], sizes["interviews"]) == (12, 45, 23)
    assert 2 <= sizes["leave_requests"] / 150 <= 4


def test_sizes_scale_with_headcount(world_5k):
    assert len(world_5k.tables["candidates"]) == 1500
    assert len(world_5k.tables["interviews"]) == round(5000 * 23 / 150)


def test_every_record_fits_its_canonical_model(default_world):
    for entity, model in ((each.name, each.detail) for each in catalogue.ENTITIES if each.parent is None):
        for record in default_world.tables[entity].values():
            assert set(record) == set(model.model_fields), (entity, set(record) ^ set(model.model_fields))
            model.model_validate(record)


def test_ids_follow_the_seed_formats(default_world):
    patterns = {
        "employees": r"EMP\d{5}", "departments": r"DEPT\d{3}", "job_requisitions": r"JOB\d{3}",
        "candidates": r"CAND\d{4}", "interviews": r"INT\d{4}", "leave_requests": r"LEAVE\d{5}",
    }  # fmt: skip
    for entity, pattern in patterns.items():
        assert all(re.fullmatch(pattern, id_) for id_ in default_world.tables[entity].ids()), entity
    reqs = [j["requisition_id"] for j in default_world.tables["job_requisitions"].values()]
    assert all(re.fullmatch(r"REQ-2026-\d{3}", r) for r in reqs)


def test_id_padding_widens_only_when_the_count_needs_it():
    from mock_hrms.world.generate_context import id_width

    assert (id_width(150, 5), id_width(99_999, 5), id_width(100_000, 5), id_width(1_000, 3)) == (5, 5, 6, 4)


def test_emails_are_unique_first_dot_last_at_company(world_5k):
    emails = [e["email"] for e in world_5k.tables["employees"].values()]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@harveycorp\.com", email) for email in emails)


def test_phones_look_real(default_world):
    phones = [e["phone"] for e in default_world.tables["employees"].values()]
    assert all(re.fullmatch(r"\+91-[6-9]\d{9}|\+(44-7|65-9|1-415)\d{8}", p) for p in phones), phones
    assert sum(p.startswith("+91-") for p in phones) > len(phones) / 2


def test_some_employees_are_terminated_on_leave_or_on_probation(world_5k):
    statuses = Counter(e["employment_status"] for e in world_5k.tables["employees"].values())
    assert statuses["active"] > 4000
    assert statuses["terminated"] > 0
    assert statuses["on_leave"] > 0
    assert statuses["probation"] > 0


def test_names_mix_indian_and_international(world_5k):
    from mock_hrms.world.vocabulary import INDIAN_NAMES

    indian = set(INDIAN_NAMES[2])
    last_names = [e["last_name"] for e in world_5k.tables["employees"].values()]
    share = sum(name in indian for name in last_names) / len(last_names)
    assert 0.55 < share < 0.85


def test_leave_statuses_are_mixed(default_world):
    statuses = Counter(lv["status"] for lv in default_world.tables["leave_requests"].values())
    assert {"approved", "pending", "rejected"} <= set(statuses)


def test_interview_statuses_are_mixed(world_5k):
    statuses = Counter(i["status"] for i in world_5k.tables["interviews"].values())
    assert {"scheduled", "completed", "cancelled"} <= set(statuses)
    links = [i["meeting_link"] for i in world_5k.tables["interviews"].values()]
    assert all(re.fullmatch(r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", link) for link in links)


def _world_bytes(world) -> bytes:
    return orjson.dumps({entity: list(table.values()) for entity, table in world.tables.items()})


def test_same_seed_gives_identical_bytes():
    first = generate_world(seed=3, employees=400, reference_date=REFERENCE_DATE)
    second = generate_world(seed=3, employees=400, reference_date=REFERENCE_DATE)
    assert _world_bytes(first) == _world_bytes(second)


def test_different_seed_gives_a_different_world():
    first = generate_world(seed=3, employees=400, reference_date=REFERENCE_DATE)
    second = generate_world(seed=4, employees=400, reference_date=REFERENCE_DATE)
    assert _world_bytes(first) != _world_bytes(second)


def test_a_one_person_world_is_just_the_ceo():
    world = generate_world(employees=1, reference_date=REFERENCE_DATE)
    assert [e["job_title"] for e in world.tables["employees"].values()] == ["Chief Executive Officer"]
    for check in ALL_CHECKS:
        check(world)


def test_reporting_chain_climbs_to_the_ceo(default_world):
    leaf = max(
        default_world.tables["employees"].values(),
        key=lambda e: len(default_world.reporting_chain(e["id"])["reporting_chain"]),
    )
    chain = default_world.reporting_chain(leaf["id"])["reporting_chain"]
    assert chain[-1]["title"] == "Chief Executive Officer"
    assert [link["level"] for link in chain] == list(range(1, len(chain) + 1))
    assert chain[0]["employee_id"] == leaf["manager_id"]
    canonical.ReportingChain.model_validate(default_world.reporting_chain(leaf["id"]))
