"""How one BambooHR simulator is configured: the world it renders, the key it accepts, its company and quirks."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mock_hrms.api.settings import DEFAULT_CONTROL_TOKEN

DEFAULT_API_KEY = "bamboohr-api-key-12345"
DEFAULT_COMPANY = "acme"


class BambooSettings(BaseModel):
    """Settings of one BambooHR simulator.

    `api_key` is the HTTP Basic user name BambooHR clients send (any password); `company_domain` is the one
    company this simulator hosts (any other → 404). `throttle_mode` picks how a rate limit is answered:
    "429" with Retry-After (BambooHR from 16 Sep 2026) or "503" (its older behaviour).
    Webhook delivery: `webhook_timeout_seconds` per POST, `webhook_retries` extra attempts (0 = BambooHR-style
    fire-and-log, the default), and `allow_http_webhooks` (real BambooHR accepts only https:// URLs; the
    simulator also takes http:// so tests can run a plain local receiver).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 42
    employees: int = Field(default=150, ge=1, le=1_000_000)
    reference_date: dt.date | None = None
    api_key: str = Field(default=DEFAULT_API_KEY, min_length=1)
    company_domain: str = Field(default=DEFAULT_COMPANY, min_length=1, max_length=63, pattern=r"^[A-Za-z0-9-]+$")
    company_id: str = Field(default="100", description="The numeric companyId webhook payloads carry.")
    control_token: str = Field(default=DEFAULT_CONTROL_TOKEN, min_length=1)
    throttle_mode: Literal["429", "503"] = "429"
    applications_page_size: int = Field(default=100, ge=1, le=1000)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_retries: int = Field(default=0, ge=0, le=5)
    allow_http_webhooks: bool = True
