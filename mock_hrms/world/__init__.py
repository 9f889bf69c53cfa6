"""The mock HRMS's deterministic generated world, shared by the canonical API and the vendor simulators.

Contract: `World` (world.py) and the rules tests/invariants.py checks (names are fixed). Start with
`generate_world(seed, employees)`.
"""

from mock_hrms.world.errors import BadRequest, Conflict, NotFound, RuleViolation, WorldError
from mock_hrms.world.generator import generate_world
from mock_hrms.world.table import PageResult, Table
from mock_hrms.world.world import World

__all__ = [
    "BadRequest",
    "Conflict",
    "NotFound",
    "PageResult",
    "RuleViolation",
    "Table",
    "World",
    "WorldError",
    "generate_world",
]
