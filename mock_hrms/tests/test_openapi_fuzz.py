"""Schemathesis fuzzes every operation of /openapi.json: no 5xx, and every response matches the schema.

The default run keeps to a few dozen examples per operation; set MOCK_HRMS_FUZZ_EXAMPLES (e.g. 500) for a
deeper run. One app serves the whole run, so writes accumulate the way they would on a real HRMS.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_hrms.api import MockSettings, create_app

FUZZ_EXAMPLES = int(os.environ.get("MOCK_HRMS_FUZZ_EXAMPLES", "25"))
SETTINGS = MockSettings(seed=7, employees=120)
APP = create_app(SETTINGS)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_5xx_or_violates_its_schema(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {SETTINGS.token}"}, checks=CHECKS)
