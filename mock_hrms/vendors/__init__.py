"""Vendor simulators: the shared generated world rendered in each vendor's own protocol.

`SIMULATORS` maps a vendor name to a function from CLI options to an ASGI app; adding a simulator is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True)
class SimulatorOptions:
    """What `python -m mock_hrms` knows: world shape, the credential to accept (None = vendor default), company."""

    seed: int
    employees: int
    token: str | None
    control_token: str
    company: str


def _bamboohr(options: SimulatorOptions) -> FastAPI:
    from mock_hrms.vendors.bamboohr import DEFAULT_API_KEY, BambooSettings, create_bamboohr_app

    return create_bamboohr_app(
        BambooSettings(
            seed=options.seed,
            employees=options.employees,
            api_key=options.token or DEFAULT_API_KEY,
            company_domain=options.company,
            control_token=options.control_token,
        )
    )


SIMULATORS: dict[str, Callable[[SimulatorOptions], FastAPI]] = {
    "bamboohr": _bamboohr,
}
