"""The `bamboohr` adapter: BambooHR's REST API (both URL forms), its webhooks, and its settings schema."""

from .adapter import BambooHRAdapter
from .config import BambooHRConfig

__all__ = ["BambooHRAdapter", "BambooHRConfig"]
