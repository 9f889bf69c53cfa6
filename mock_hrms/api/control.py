"""The simulation control surface under /_control: a test harness plays HR and the network.

Authenticated with the *control* token (`Authorization: Bearer <control_token>`), never the HRMS token, and
left out of the public OpenAPI document (/openapi.json describes only what a real HRMS offers); its own
document is at /_control/openapi.json. What it offers:
- HR changes through `world.sim`: hire, update, transfer, terminate an employee; withdraw a candidate;
  approve/reject a leave request; delete any record (tombstone); a random batch of changes;
- GET /_control/stats: record counts, injected faults, idempotency-store size, token use;
- faults (see faults.py): PUT/GET/DELETE /_control/faults; token expiry is part of that configuration;
- PUT /_control/token: rotate the HRMS token (returns the new one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hrmodel import catalogue
from mock_hrms.api.auth import TokenExpiry, TokenState, require_control_token
from mock_hrms.api.deps import get_world
from mock_hrms.api.errors import ApiError, error_responses
from mock_hrms.api.faults import FaultConfig, FaultInjector
from mock_hrms.api.paging import render_json

router = APIRouter(prefix="/_control", tags=["control"], dependencies=[Depends(require_control_token)])
IdPath = Annotated[str, Path(min_length=1, max_length=64)]
ERRORS = error_responses(401, 404, 409, 422)


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department_id: str = Field(min_length=1, max_length=64)


class LeaveDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=10, ge=1, le=10_000)
    seed: int = 0


class TokenRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(default=None, min_length=8, max_length=255, description="Random when omitted.")


def _sim_call(action, *args, **kwargs) -> Any:
    """Run one simulation action; a malformed change (unknown field, wrong type) is a 422, not a 500."""
    try:
        return action(*args, **kwargs)
    except (TypeError, ValueError, KeyError) as e:
        raise ApiError(422, "invalid_change", f"The change was refused: {e}") from e


#: Entities HR can delete records of (an entity that hangs off another goes with its parent's records).
OWN_RECORDS = tuple(entity.name for entity in catalogue.ENTITIES if entity.parent is None)


def _entity(name: str) -> str:
    entity = name.replace("-", "_")
    if entity not in OWN_RECORDS:
        raise ApiError(404, "unknown_entity", f"Unknown entity {name!r}; known: {', '.join(OWN_RECORDS)}.")
    return entity


@router.get("/stats", summary="Record counts and the state of faults, tokens and idempotency keys")
async def stats(request: Request, world=Depends(get_world)) -> Response:
    state = request.app.state
    tokens: TokenState = state.tokens
    injector: FaultInjector = state.faults
    return render_json(
        {
            "counts": {name: len(table) for name, table in world.tables.items()},
            "tombstones": {name: sum(1 for _ in table.tombstones()) for name, table in world.tables.items()},
            "faults_injected": {str(k): v for k, v in injector.injected.items()},
            "idempotency_keys": len(state.idempotency),
            "token_uses": tokens.uses,
        }
    )


@router.post("/employees", status_code=201, responses=ERRORS, summary="Hire an employee (fields override)")
async def hire(overrides: Annotated[dict[str, Any] | None, Body()] = None, world=Depends(get_world)) -> Response:
    return render_json(_sim_call(world.sim.hire, **(overrides or {})), status=201)


@router.patch("/employees/{employee_id}", responses=ERRORS, summary="Change fields of an employee")
async def update_employee(
    employee_id: IdPath, changes: Annotated[dict[str, Any], Body()], world=Depends(get_world)
) -> Response:
    return render_json(_sim_call(world.sim.update_employee, employee_id, **changes))


@router.post("/employees/{employee_id}/transfer", responses=ERRORS, summary="Move an employee to a department")
async def transfer(employee_id: IdPath, body: Transfer, world=Depends(get_world)) -> Response:
    return render_json(_sim_call(world.sim.transfer, employee_id, body.department_id))


@router.post("/employees/{employee_id}/terminate", responses=ERRORS, summary="Terminate an employee")
async def terminate(employee_id: IdPath, world=Depends(get_world)) -> Response:
    return render_json(_sim_call(world.sim.terminate, employee_id))


@router.post("/candidates/{candidate_id}/withdraw", responses=ERRORS, summary="A candidate withdraws")
async def withdraw(candidate_id: IdPath, world=Depends(get_world)) -> Response:
    return render_json(_sim_call(world.sim.withdraw_candidate, candidate_id))


@router.post("/leave-requests/{leave_request_id}/decision", responses=ERRORS, summary="Approve or reject leave")
async def decide_leave(leave_request_id: IdPath, body: LeaveDecision, world=Depends(get_world)) -> Response:
    return render_json(_sim_call(world.sim.decide_leave, leave_request_id, body.approve))


@router.delete("/{entity}/{record_id}", responses=ERRORS, summary="Delete a record (it becomes a tombstone)")
async def delete(entity: str, record_id: IdPath, world=Depends(get_world)) -> Response:
    result = _sim_call(world.sim.delete, _entity(entity), record_id)
    return render_json(result if isinstance(result, dict) else {"id": record_id, "deleted": True})


@router.post("/simulate", summary="Apply a reproducible random batch of HR changes")
async def simulate(body: SimulateRequest, world=Depends(get_world)) -> Response:
    changes = _sim_call(world.sim.random_batch, body.count, body.seed)
    return render_json({"changes": changes, "count": len(changes)})


@router.get("/faults", response_model=FaultConfig, summary="The fault configuration in force")
async def get_faults(request: Request) -> Response:
    return render_json(request.app.state.faults.config.model_dump(mode="json"))


@router.put("/faults", response_model=FaultConfig, summary="Replace the fault configuration")
async def put_faults(config: FaultConfig, request: Request) -> Response:
    request.app.state.faults.configure(config)
    expiry = config.token_expiry
    request.app.state.tokens.set_expiry(
        TokenExpiry(expiry.after_seconds, expiry.after_requests) if expiry else TokenExpiry()
    )
    return render_json(config.model_dump(mode="json"))


@router.delete("/faults", response_model=FaultConfig, summary="Remove every fault (and token expiry)")
async def clear_faults(request: Request) -> Response:
    request.app.state.faults.clear()
    request.app.state.tokens.set_expiry(TokenExpiry())
    return render_json(request.app.state.faults.config.model_dump(mode="json"))


@router.put("/token", summary="Rotate the HRMS token; the old one stops working at once")
async def rotate_token(request: Request, body: TokenRotation | None = None) -> Response:
    token = request.app.state.tokens.rotate(body.token if body else None)
    return render_json({"token": token})
