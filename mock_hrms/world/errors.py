"""The typed errors of the mock HRMS world.

The world is the HRMS's business layer; the API maps these errors to HTTP responses one to one, so each
carries the status it stands for, a snake_case machine `code` (the `error` field of canonical.ErrorBody)
and a `message` sentence a person can act on. Keeping the status on the error (not in an API table) means
a new rule cannot be added without deciding how a client sees it.
"""

from __future__ import annotations


class WorldError(Exception):
    """Base of every business-rule failure; never raised directly."""

    status: int = 400
    code: str = "world_error"

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def details(self) -> list[dict[str, str]]:
        """The canonical ErrorBody `details` list: which input field the error is about, if any."""
        return [{"field": self.field, "code": self.code}] if self.field else []


class BadRequest(WorldError):
    """The request itself is malformed (e.g. an opaque cursor that is not one of ours): 400."""

    status = 400


class NotFound(WorldError):
    """A referenced record does not exist (or was deleted): 404."""

    status = 404

    def __init__(self, entity: str, id: str, field: str | None = None) -> None:
        singular = entity[:-1] if entity.endswith("s") else entity
        super().__init__(f"{singular}_not_found", f"No {singular.replace('_', ' ')} with id {id!r}.", field)
        self.entity = entity
        self.id = id


class Conflict(WorldError):
    """The write clashes with the current state (duplicate, double booking, overlap, transition): 409."""

    status = 409

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)


class RuleViolation(WorldError):
    """The write is well-formed but breaks a business rule (closed requisition, no balance, ...): 422."""

    status = 422

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)
