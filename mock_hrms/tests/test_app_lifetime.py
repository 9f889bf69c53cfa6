"""A mock HRMS app nobody refers to any more is freed, with its world: test suites create hundreds of them."""

from __future__ import annotations

import gc
import weakref

import pytest

from mock_hrms.__main__ import VENDORS
from mock_hrms.api import DEFAULT_CONTROL_TOKEN
from mock_hrms.api.testing import asgi_client
from mock_hrms.vendors import SimulatorOptions


@pytest.mark.parametrize("vendor", sorted(VENDORS))
async def test_a_dropped_app_is_freed_with_its_world(vendor):
    options = SimulatorOptions(seed=3, employees=5, token=None, control_token=DEFAULT_CONTROL_TOKEN, company="acme")
    app = VENDORS[vendor](options)
    async with asgi_client(app, DEFAULT_CONTROL_TOKEN) as client:
        assert (await client.get("/_control/stats")).status_code == 200
    app_ref, world_ref = weakref.ref(app), weakref.ref(app.state.world)
    del app, client
    gc.collect()
    assert app_ref() is None, "something process-wide still refers to the app"
    assert world_ref() is None
