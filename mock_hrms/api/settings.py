"""How one mock HRMS instance is configured: the generated world's shape and the two bearer tokens."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TOKEN = "mock-hrms-token-12345"  # the seed's token, so a client written from the seed just works
DEFAULT_CONTROL_TOKEN = "mock-hrms-control-12345"


class MockSettings(BaseModel):
    """Settings of one mock HRMS: which world it serves (seed, size, "today") and which tokens it accepts.

    `token` guards the HRMS API under /api/v1; `control_token` guards the simulation control surface under
    /_control, so a test harness can change the world without the client under test being able to.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 42
    employees: int = Field(default=150, ge=1, le=1_000_000)
    token: str = Field(default=DEFAULT_TOKEN, min_length=1)
    control_token: str = Field(default=DEFAULT_CONTROL_TOKEN, min_length=1)
    reference_date: dt.date | None = None
