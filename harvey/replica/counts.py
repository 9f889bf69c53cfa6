"""What a bulk write did: inserted, updated (data changed), unchanged (skipped as a no-op)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def written(self) -> int:
        return self.inserted + self.updated
