"""Connection settings of the canonical API: a base URL and a bearer token (secret)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class MockConfig(BaseModel):
    base_url: str = Field(description="Root of the HRMS, e.g. http://127.0.0.1:8001 (the API is under /api/v1)")
    token: SecretStr = Field(description="Bearer token", json_schema_extra={"secret": True})
