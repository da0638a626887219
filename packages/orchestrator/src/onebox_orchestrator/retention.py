"""The orchestrator's retention rules: the shared tables and its own, run by one worker.

The orchestrator is the one place that purges (see `onebox_service.retention`): the shared
tables' rules from the kit, then conversation turns, the conversations the owner's view lists
and the unanswered question groups (all three ``ONEBOX_HISTORY_RETENTION_DAYS``: a group goes
when its last question does), the
router's call records (``ONEBOX_ROUTER_CALLS_RETENTION_DAYS``; at least 32 days, so this
month's budget still counts every call) and expired cache answers (in the database and in the
router's in-memory match index). ``onebox purge`` builds the same list without a cache
instance (the database rows only).
"""

from __future__ import annotations

from onebox_bus import Clock, Database
from onebox_router.cache import ResponseCache
from onebox_service.retention import Purge, age_purge, shared_purges

from .settings import OrchestratorSettings


def all_purges(
    db: Database,
    settings: OrchestratorSettings,
    *,
    clock: Clock,
    cache: ResponseCache | None = None,
) -> list[Purge]:
    """Every retention rule, shared tables first; `cache` also drops its expired index."""
    batch = settings.retention_batch_rows
    purges = shared_purges(db, settings, clock=clock)
    purges.append(
        age_purge(
            db, name="orchestrator_turns", table="orchestrator_turns", column="created_at",
            days=settings.history_retention_days, clock=clock, batch=batch,
        )
    )  # fmt: skip
    purges.append(
        age_purge(
            db, name="orchestrator_conversations", table="orchestrator_conversations",
            column="last_at", days=settings.history_retention_days, clock=clock, batch=batch,
        )
    )  # fmt: skip
    purges.append(
        age_purge(
            db, name="orchestrator_question_groups", table="orchestrator_question_groups",
            column="last_at", days=settings.history_retention_days, clock=clock, batch=batch,
        )
    )  # fmt: skip
    purges.append(
        age_purge(
            db, name="router_calls", table="router_calls", column="created_at",
            days=settings.router_calls_retention_days, clock=clock, batch=batch,
        )
    )  # fmt: skip
    if cache is None:
        purges.append(
            age_purge(
                db, name="router_cache (expired)", table="router_cache", column="expires_at",
                days=0.0, clock=clock, batch=batch,
            )
        )  # fmt: skip
    else:
        purges.append(
            Purge(name="router_cache (expired)", days=0.0, run=lambda: cache.purge(batch=batch))
        )
    return purges
