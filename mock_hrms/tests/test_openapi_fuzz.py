"""Schemathesis fuzzes every operation of /openapi.json: no 5xx, and every response matches the schema.

Each operation is a test item of its own, with its label as id (`...[GET /api/v1/employees]`). Not through
`@schema.parametrize()`: under pytest 9 the items it makes all share one node id, and pytest-xdist, which
schedules by node id, ran 1 operation of 17 and reported nothing about the other 16. So the operations are
counted twice, independently — from the served document's paths × methods, and from what schemathesis loaded —
and the module refuses to be collected (every xdist worker collects it whole) when the two differ;
`test_every_documented_operation_is_a_fuzz_item_of_its_own` then checks the collected items themselves.

The default run keeps to a few dozen examples per operation; set MOCK_HRMS_FUZZ_EXAMPLES (e.g. 500) for a
deeper run. One app serves the whole run, so writes accumulate the way they would on a real HRMS.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_hrms.api import MockSettings, create_app
from mock_hrms.api.routing import HTTP_METHODS
from mock_hrms.api.testing import asgi_client

FUZZ_EXAMPLES = int(os.environ.get("MOCK_HRMS_FUZZ_EXAMPLES", "25"))
SETTINGS = MockSettings(seed=7, employees=120)
APP = create_app(SETTINGS)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH = {"Authorization": f"Bearer {SETTINGS.token}"}


async def served_document() -> dict:
    async with asgi_client(APP) as client:
        return (await client.get("/openapi.json")).json()


DOCUMENT = asyncio.run(served_document())
DOCUMENTED = sorted(
    f"{method.upper()} {path}"
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method.upper() in HTTP_METHODS
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS: dict[str, APIOperation] = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
if sorted(OPERATIONS) != DOCUMENTED:  # at collection, in every worker: the run fails before anything is dropped
    raise AssertionError(
        f"schemathesis loaded {len(OPERATIONS)} operations, the document has {len(DOCUMENTED)}: "
        f"missing {sorted(set(DOCUMENTED) - set(OPERATIONS))}, unexpected {sorted(set(OPERATIONS) - set(DOCUMENTED))}"
    )


def operation_test(operation: APIOperation, test: Callable) -> Callable:
    """The Hypothesis test `@schema.parametrize()` would run for `operation`: its examples, coverage and fuzzing
    phases in both generation modes, with the operation's own seed and `test`'s own @settings.

    schemathesis has no public API for one operation's whole test (`as_strategy` is the fuzzing phase only), so
    this uses the builder its pytest plugin uses (schemathesis 4.32); an upgrade that moves it fails collection
    with an ImportError, it does not silently fuzz less.
    """
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(schema))
    return build_operation_test(
        config=schema.config, operation=operation, test_func=test, given_kwargs={}, feedback=feedback
    )


@pytest.mark.slow
@pytest.mark.parametrize("label", DOCUMENTED)
def test_no_operation_answers_5xx_or_violates_its_schema(label):
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def call_and_validate(case):
        case.call_and_validate(headers=AUTH, checks=CHECKS)

    operation_test(OPERATIONS[label], call_and_validate)()


def collected_items(node: pytest.Collector) -> list[pytest.Item]:
    """The items `node` collects, through any nested collectors (schemathesis's own collector is one)."""
    items: list[pytest.Item] = []
    for child in node.collect():
        items += collected_items(child) if isinstance(child, pytest.Collector) else [child]
    return items


def test_every_documented_operation_is_a_fuzz_item_of_its_own(request):
    """xdist hands each worker items by node id: one node id per operation, or operations are silently dropped.

    Asked of this module's own collection (what every xdist worker collects whole), whatever `-k` selected.
    """
    fuzz = test_no_operation_answers_5xx_or_violates_its_schema.__name__
    fuzzed = [item for item in collected_items(request.node.parent) if item.name.startswith(f"{fuzz}[")]
    node_ids = [item.nodeid for item in fuzzed]
    assert len(set(node_ids)) == len(node_ids), f"fuzz items share node ids: {node_ids}"
    assert sorted(item.name[len(fuzz) + 1 : -1] for item in fuzzed) == DOCUMENTED  # the ids: `GET /api/v1/...`
