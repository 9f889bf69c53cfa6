"""Chains: one organization's entities, enqueued as ONE Celery message and run in order by one worker.

Why one message, not a Celery `chain` of one task per entity: the seven runs of an organization then share
one adapter (one connection pool, credentials decrypted once) and one event loop, and the chain lives or
dies as one delivery — a task message acknowledged late comes back when the worker that held it dies; the
links of a Celery chain that were not published yet die with it.

What the cache holds about a chain (all best effort: a cache that lost everything makes the dispatcher
enqueue again what is still due, which the engine's lease and `not_before` make harmless):

* a **claim** per (organization, entity, slot), taken with an atomic `add` by the dispatcher; its value
  names the chain that holds it (`{"chain": id, "at": epoch seconds}`), so a second beat claims nothing
  twice;
* a **marker** per chain, written by the chain task when a worker picks it up (and when it waits for a
  retry's countdown: `waiting_until`), deleted when the chain ends. A claim whose chain has a marker, is not
  waiting, and whose organization shows no sign of life (no lease held, no heartbeat for a lease period)
  belongs to a chain whose worker died: the dispatcher enqueues what it had left (`dispatch.py`). A claim
  whose chain has no marker is still queued, and is left alone.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

log = logging.getLogger("hrms.sync")

CLAIM_PREFIX = "hrms-sync:dispatch:v2"
MARKER_PREFIX = "hrms-sync:chain:v1"
MARKER_TTL_SECONDS = 2 * 24 * 3600  # outlives any claim a marker vouches for


def new_chain_id() -> str:
    return uuid.uuid4().hex[:16]


def claim_key(*parts: object) -> str:
    return ":".join([CLAIM_PREFIX, *(str(part) for part in parts)])


def claim(key: str, chain: str, seconds: int) -> bool:
    """Claim one (organization, entity, slot) for `chain`; False when someone claimed it first."""
    return cache.add(key, {"chain": chain, "at": time.time()}, seconds)


def claims(keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """key -> claim, for the keys that are claimed."""
    return cache.get_many(list(keys))


def transfer(keys: Iterable[str], chain: str, seconds: int) -> None:
    """Hand existing claims to another chain (the one enqueued in place of a dead one)."""
    cache.set_many({key: {"chain": chain, "at": time.time()} for key in keys}, seconds)


def release(keys: Iterable[str]) -> None:
    """Give claims back (the message was not enqueued, or the pair was not run): the next dispatch decides."""
    keys = list(keys)
    if keys:
        _best_effort(cache.delete_many, keys)


def _marker_key(chain: str) -> str:
    return f"{MARKER_PREFIX}:{chain}"


def picked_up(chain: str | None, *, waiting_until: float = 0.0) -> None:
    """The chain is in a worker's hands (or, with `waiting_until`, waiting for a retry until then)."""
    if chain:
        value = {"at": time.time(), "waiting_until": waiting_until}
        _best_effort(cache.set, _marker_key(chain), value, MARKER_TTL_SECONDS)


def ended(chain: str | None) -> None:
    if chain:
        _best_effort(cache.delete, _marker_key(chain))


def markers(chains: Iterable[str]) -> dict[str, dict[str, Any]]:
    """chain -> marker, for chains some worker picked up and that have not ended."""
    found = cache.get_many([_marker_key(chain) for chain in chains])
    return {key.rsplit(":", 1)[1]: value for key, value in found.items()}


def _best_effort(call, *args: Any) -> None:
    """A chain's bookkeeping must never fail the chain: with the cache down it only loses its safety net."""
    try:
        call(*args)
    except Exception as e:  # the cache backend's own errors (redis.ConnectionError, ...)
        log.warning("hrms.sync.chain_bookkeeping_failed", extra={"error": f"{type(e).__name__}: {e}"[:200]})
