"""The `mock` adapter: Harvey's canonical HRMS API (the mock HRMS, or any HRMS that speaks it)."""

from .adapter import MockAdapter

__all__ = ["MockAdapter"]
