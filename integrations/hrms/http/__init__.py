"""Shared transport for every vendor adapter: pooled client, status table, retries, rate budget, breaker.

A vendor adapter builds one `HRMSHttpClient` and only maps payloads; see `client.py` for the request path
and `state.py` for where the shared state lives (memory in one process, Redis across workers).
"""

from .classify import DEFAULT_CLASSIFIER, ResponseClassifier, parse_retry_after
from .client import HRMSHttpClient
from .paging import Page, iterate_items, next_cursor, next_offset, next_page_number, paginate
from .policy import DEFAULT_POLICY, TransportPolicy
from .state import MemoryTransportState, TransportState, get_transport_state

__all__ = [
    "DEFAULT_CLASSIFIER",
    "DEFAULT_POLICY",
    "HRMSHttpClient",
    "MemoryTransportState",
    "Page",
    "ResponseClassifier",
    "TransportPolicy",
    "TransportState",
    "get_transport_state",
    "iterate_items",
    "next_cursor",
    "next_offset",
    "next_page_number",
    "paginate",
    "parse_retry_after",
]
