"""Celery tasks of the scheduled sync (Pattern B): the beat's dispatcher and the chain of an organization's runs.

* `hrms.sync.dispatch` (`dispatch_due_syncs`, dispatch.py) runs every minute from beat, on its own queue
  (`HARVEY_DISPATCH_QUEUE`) so that it never waits behind thousands of sync runs: it enqueues one chain per
  organization with due entities.
* `hrms.sync.chain` (`sync_chain_task`) runs a chain: the entities of one organization in order, one run
  each, through `engine.sync_entities` (one adapter, one event loop; no `await` in a Celery task, docs/architecture.md
  §8). It takes ids and plain values only and re-reads everything. Acknowledged late and rejected on worker
  loss, so a killed worker's chain is delivered again; `not_before` makes the second delivery skip what the
  first already did, and each run resumes from its last committed page. A transient HRMS failure stops the
  chain there and enqueues the rest again after a capped exponential backoff with full jitter (never sooner
  than the HRMS or an open circuit breaker allows); after the last retry the entity becomes a `DeadLetter`
  and the rest of the chain goes on without it.
* `hrms.sync.entity` (`sync_entity_task`) is a chain of one entity.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from harvey.organizations.models import HRMSIntegration
from hrmodel import catalogue

from . import chains
from .dispatch import DueSync, dispatch, find_due_syncs
from .engine import EntityOutcome, sync_entities
from .models import DeadLetter, SyncRun, SyncStatus, SyncTrigger

log = logging.getLogger("hrms.sync")

__all__ = ["DueSync", "dispatch_due_syncs", "find_due_syncs", "retry_countdown", "sync_chain_task", "sync_entity_task"]

DISPATCH_TASK = "hrms.sync.dispatch"
CHAIN_TASK = "hrms.sync.chain"
ENTITY_TASK = "hrms.sync.entity"
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BASE_SECONDS = 30
DEFAULT_RETRY_CAP_SECONDS = 900
DEFAULT_SOFT_TIME_LIMIT_SECONDS = 3600
HARD_TIME_LIMIT_GRACE_SECONDS = 120
#: After the database failed under a chain: when to try the rest again (the run's lease lapses meanwhile).
DATABASE_RETRY_SECONDS = 30


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def retry_countdown(
    retries: int, *, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds before retry number `retries + 1`: full jitter over `min(cap, base * 2**retries)`.

    Full jitter (uniform from 0) keeps many failed runs from retrying in lockstep against a recovering HRMS;
    when the HRMS said `Retry-After`, or the circuit breaker reopens only later (`CircuitOpen.retry_after`),
    never come back sooner than that: a retry inside the breaker's cool-down is spent without one request.
    """
    ceiling = min(cap, base * (2 ** max(0, retries)))
    delay = (rng or random).uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_due_syncs() -> int:
    """Enqueue every due sync once; returns how many (organization, entity) runs were enqueued."""
    return dispatch(timezone.now())


_RUN_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "soft_time_limit": _setting("HARVEY_SYNC_TASK_SOFT_TIME_LIMIT", DEFAULT_SOFT_TIME_LIMIT_SECONDS),
    "time_limit": _setting("HARVEY_SYNC_TASK_SOFT_TIME_LIMIT", DEFAULT_SOFT_TIME_LIMIT_SECONDS)
    + HARD_TIME_LIMIT_GRACE_SECONDS,
}


@shared_task(name=CHAIN_TASK, **_RUN_OPTIONS)
def sync_chain_task(
    self: Any,
    organization_id: int,
    entities: list[str],
    trigger: str = SyncTrigger.SCHEDULE,
    *,
    chain: str | None = None,
    not_before: str | None = None,
    claims: list[str] | None = None,
    cycle: str = "",
    full: bool = False,
    wait: float = 0.0,
    attempt: int = 0,
) -> dict:
    """Sync `entities` of one organization in order. `chain`/`claims` come from the dispatcher (chains.py);
    `not_before` (ISO time) skips an entity that a run started since; `cycle`/`full`/`wait` from
    `harvey sync --all`; `attempt` counts this chain's retries."""
    job = _Chain(
        self,
        organization_id,
        list(entities),
        trigger,
        chain,
        not_before,
        list(claims or []),
        cycle,
        full,
        wait,
        attempt,
    )
    return job.run()


@shared_task(name=ENTITY_TASK, **_RUN_OPTIONS)
def sync_entity_task(self: Any, organization_id: int, entity: str, trigger: str = SyncTrigger.SCHEDULE) -> dict:
    """Sync one entity of one organization (a chain of one)."""
    return _Chain(self, organization_id, [entity], trigger, None, None, [], "", False, 0.0, 0).run()


class _Chain:
    """One delivery of a chain: run it, then retry, dead-letter or hand back what it did not finish."""

    def __init__(self, task, organization_id, entities, trigger, chain, not_before, claims, cycle, full, wait, attempt):
        self.task = task
        self.organization_id = organization_id
        self.entities, self.trigger, self.chain = entities, trigger, chain
        self.not_before = dt.datetime.fromisoformat(not_before) if not_before else None
        self.claims = dict(zip(entities, claims, strict=False))
        self.cycle, self.full, self.wait, self.attempt = cycle, full, wait, attempt
        self.context = {"organization": organization_id, "trigger": trigger, "chain": chain or "-"}

    def run(self) -> dict:
        unknown = [entity for entity in self.entities if entity not in catalogue.NAMES]
        if unknown:
            log.error("hrms.sync.unknown_entity", extra={**self.context, "entities": ",".join(unknown)})
            self.entities = [entity for entity in self.entities if entity in catalogue.NAMES]
        integration = HRMSIntegration.objects.filter(
            organization_id=self.organization_id, is_active=True, organization__is_active=True
        ).first()
        active = integration is not None
        if not active or not self.entities:
            log.info("hrms.sync.skipped_inactive", extra=self.context)
            chains.release(self.claims.values())
            chains.ended(self.chain)
            return {"status": "skipped", "reason": "no_active_integration" if not active else "unknown_entity"}
        chains.picked_up(self.chain)
        try:
            outcomes = sync_entities(
                self.organization_id,
                self.entities,
                trigger=self.trigger,
                full=self.full,
                wait=self.wait,
                cycle=self.cycle,
                not_before=self.not_before,
                stop_at_transient=True,
                integration=integration,
            )
        except DatabaseError as e:  # the database went away under the chain: try the whole rest again later
            log.error("hrms.sync.database_unavailable", extra={**self.context, "error": str(e)[:200]})
            return self._again(self.entities, DATABASE_RETRY_SECONDS, self.attempt + 1)
        return self._settle(outcomes)

    def _settle(self, outcomes: list[EntityOutcome]) -> dict:
        result: dict[str, Any] = {"status": "done", "runs": {}}
        for outcome in outcomes:
            if outcome.locked is not None:
                log.info("hrms.sync.already_running", extra={**self.context, "entity": outcome.entity})
                chains.release([self.claims[outcome.entity]] if outcome.entity in self.claims else [])
                if self.cycle:
                    _record_lease_held(self.organization_id, outcome, self.cycle)
                result["runs"][outcome.entity] = "already_running"
            elif outcome.run is not None:
                result["runs"][outcome.entity] = outcome.run.status
        failed = next((outcome for outcome in outcomes if outcome.transient is not None), None)
        if failed is None:
            chains.ended(self.chain)
            if len(self.entities) == 1 and result["runs"].get(self.entities[0]) == "already_running":
                return {"status": "skipped", "reason": "already_running"}
            only = outcomes[0].run if len(outcomes) == 1 else None
            return {"status": only.status, "run": only.pk} if only is not None else result
        rest = self.entities[self.entities.index(failed.entity) :]
        return self._retry_or_dead_letter(failed, rest, result)

    def _retry_or_dead_letter(self, failed: EntityOutcome, rest: list[str], result: dict) -> dict:
        run, cause = failed.run, failed.transient
        assert run is not None
        assert cause is not None
        max_retries = _setting("HARVEY_SYNC_MAX_RETRIES", DEFAULT_MAX_RETRIES)
        context = {**self.context, "entity": failed.entity, "run": run.pk}
        if self.attempt >= max_retries:
            DeadLetter.objects.get_or_create(
                organization_id=self.organization_id,
                entity=failed.entity,
                run=run,
                defaults={
                    "error_code": cause.code,
                    "error_message": cause.message[:2000],
                    "attempts": self.attempt + 1,
                },
            )
            log.error("hrms.sync.dead_lettered", extra={**context, "attempts": self.attempt + 1, "error": cause.code})
            if len(rest) == 1:
                chains.ended(self.chain)
                return {"status": "dead_letter", "run": run.pk}
            # The rest of the chain goes on without the dead entity, from a fresh retry count.
            return self._again(rest[1:], 0.0, 0)
        countdown = retry_countdown(
            self.attempt,
            base=_setting("HARVEY_SYNC_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS),
            cap=_setting("HARVEY_SYNC_RETRY_CAP_SECONDS", DEFAULT_RETRY_CAP_SECONDS),
            retry_after=getattr(cause, "retry_after", None),
        )
        log.warning("hrms.sync.retry", extra={**context, "retry": self.attempt + 1, "countdown": round(countdown, 1)})
        SyncRun.objects.filter(pk=run.pk).update(retry_at=timezone.now() + dt.timedelta(seconds=countdown))
        return self._again(rest, countdown, self.attempt + 1)

    def _again(self, entities: list[str], countdown: float, attempt: int) -> dict:
        """Enqueue `entities` as this chain's next delivery (`trigger` retry), `countdown` seconds from now."""
        kwargs = {
            "chain": self.chain,
            "not_before": timezone.now().isoformat(),
            "claims": [self.claims[entity] for entity in entities if entity in self.claims] if self.claims else [],
            "cycle": self.cycle,
            "full": self.full,
            "wait": self.wait,
            "attempt": attempt,
        }
        if not kwargs["claims"]:
            kwargs["claims"] = []
        args = (self.organization_id, entities, SyncTrigger.RETRY)
        if self.task.request.is_eager:
            # In-process (embedded, no broker): run the retry here. No countdown: the caller is waiting, and
            # the transport already backed off on every request before the run gave up.
            return sync_chain_task.apply(args=args, kwargs=kwargs).result
        chains.picked_up(self.chain, waiting_until=timezone.now().timestamp() + countdown)
        sync_chain_task.apply_async(args, kwargs, countdown=countdown)
        return {"status": "retry", "entities": entities, "countdown": round(countdown, 1)}


def _record_lease_held(organization_id: int, outcome: EntityOutcome, cycle: str) -> None:
    """In a `harvey sync --all` cycle every pair ends with a run row: one that could not get the lease says why."""
    assert outcome.locked is not None
    now = timezone.now()
    SyncRun.objects.create(
        organization_id=organization_id,
        entity=outcome.entity,
        trigger=SyncTrigger.MANUAL,
        status=SyncStatus.FAILED,
        started_at=now,
        finished_at=now,
        cycle=cycle,
        error_code="lease_held",
        error_message=f"Another run holds the lease: {outcome.locked.describe(now)}",
    )
