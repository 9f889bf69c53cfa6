"""Unit behaviour of the pieces behind the middleware: the idempotency store and fault-rule matching."""

from __future__ import annotations

import pytest

from mock_hrms.api.faults import FaultRule, RateLimit
from mock_hrms.api.idempotency import IdempotencyStore, StoredResponse, fingerprint


def stored(at: float = 0.0) -> StoredResponse:
    return StoredResponse("f", 201, [], b"{}", at)


def test_the_store_evicts_the_oldest_entry_beyond_its_capacity():
    store = IdempotencyStore(max_entries=2)
    for n, at in enumerate((1e12, 1e12 + 1, 1e12 + 2)):
        store.put(("auth", f"k{n}"), stored(at))
    assert len(store) == 2
    assert store.get(("auth", "k0")) is None
    assert store.get(("auth", "k2")) is not None


def test_the_store_forgets_entries_older_than_its_ttl():
    store = IdempotencyStore(ttl_seconds=60)
    store.put(("auth", "old"), stored(at=-1e9))
    assert store.get(("auth", "old")) is None


def test_fingerprints_ignore_json_key_order_but_not_values():
    assert fingerprint("POST", "/x", b'{"a":1,"b":2}') == fingerprint("POST", "/x", b'{ "b": 2, "a": 1 }')
    assert fingerprint("POST", "/x", b'{"a":1}') != fingerprint("POST", "/x", b'{"a":2}')
    assert fingerprint("POST", "/x", b"{}") != fingerprint("PATCH", "/x", b"{}")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/api/v1/employees", "/api/v1/employees/EMP001", True),
        ("/api/v1/employees", "/api/v1/departments", False),
        ("/api/v1/*/leave-balance", "/api/v1/employees/E1/leave-balance", True),
        ("/api/v1/*/leave-balance", "/api/v1/employees", False),
    ],
)
def test_a_rule_matches_by_prefix_or_glob(pattern, path, expected):
    assert FaultRule(path=pattern).matches("GET", path) is expected


def test_a_rate_limit_needs_exactly_one_kind():
    with pytest.raises(ValueError, match="exactly one"):
        RateLimit()
    with pytest.raises(ValueError, match="exactly one"):
        RateLimit(every_nth=2, max_requests=3)
