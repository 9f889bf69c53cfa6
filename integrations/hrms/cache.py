"""Pattern A's read-through cache: keys namespaced by organization, versioned, invalidated by generation.

A key is `hrms:v1:org:<id>:<group>:g<generation>:<operation>:<digest of arguments>`. Invalidating a group
(say, after Harvey schedules an interview) bumps that organization's generation counter for the group, so
every older key of the group is simply never read again and expires on its own — no key scans, which
Redis does not do cheaply and local memory cannot do at all. Organization ids are part of every key, so
one organization can never be served another's cached answer.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from django.core.cache import caches

from hrmodel import catalogue

KEY_VERSION = "v1"
DEFAULT_TTL_SECONDS = 30 * 60  # the seed: 15–60 minutes
MIN_TTL_SECONDS = 15 * 60
MAX_TTL_SECONDS = 60 * 60
GENERATION_TTL_SECONDS = 7 * 24 * 3600  # outlives every cached answer it versions

# Which cached groups (entities) a write makes stale: declared with each write in the catalogue.
INVALIDATES: dict[str, tuple[str, ...]] = {write.name: write.affects for write in catalogue.WRITES.values()}


class OrganizationCache:
    """The cache of one organization's HRMS answers."""

    def __init__(self, organization_id: int, ttl_seconds: int = DEFAULT_TTL_SECONDS, alias: str = "default") -> None:
        self.organization_id = organization_id
        self.ttl = min(max(ttl_seconds, MIN_TTL_SECONDS), MAX_TTL_SECONDS)
        self._cache = caches[alias]
        self._prefix = f"hrms:{KEY_VERSION}:org:{organization_id}"

    def _generation_key(self, group: str) -> str:
        return f"{self._prefix}:{group}:generation"

    async def _generation(self, group: str) -> int:
        return await self._cache.aget(self._generation_key(group), 0)

    async def key(self, group: str, operation: str, *args: Any) -> str:
        digest = hashlib.sha256(orjson.dumps(args, default=str)).hexdigest()[:24]
        return f"{self._prefix}:{group}:g{await self._generation(group)}:{operation}:{digest}"

    async def get(self, key: str) -> Any | None:
        return await self._cache.aget(key)

    async def set(self, key: str, value: Any) -> None:
        await self._cache.aset(key, value, self.ttl)

    async def invalidate(self, *groups: str) -> None:
        for group in groups:
            key = self._generation_key(group)
            # add-then-incr is atomic enough on both backends: incr on Redis is atomic, and a lost race
            # between two writers still moves the generation forward, which is all invalidation needs.
            await self._cache.aadd(key, 0, GENERATION_TTL_SECONDS)
            try:
                await self._cache.aincr(key)
            except ValueError:  # expired between add and incr
                await self._cache.aset(key, 1, GENERATION_TTL_SECONDS)
