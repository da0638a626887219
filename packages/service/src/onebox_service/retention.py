"""Retention on a schedule: each growing table purged by age, in small batches, in-process.

A `Purge` is one table's rule (a name, the number of days kept, and the call that deletes
what is older); `RetentionWorker` runs a list of them at start and then every
``ONEBOX_RETENTION_EVERY_SECONDS`` on a worker thread, each batch a short transaction of its
own (`onebox_bus.retention.purge_before`), so the write lock is never held for long.

Who purges what: the shared tables (``bus_messages`` done rows, ``service_webhook_events``,
``service_deliveries``, ``service_events``, ``metrics_samples``, ``service_parcels``) are
purged in one place, the orchestrator (every install runs exactly one, and one purger means
no two processes contending for the lock over the same rows), together with its own tables
(conversation turns, the router's call records and expired cache rows, in the database and
in the router's in-memory match index).
The agents' tables (``telegram_chats``, ``whatsapp_conversations``) hold one row per
customer and are not purged by age. `shared_purges` builds the shared rules from
`ServiceSettings`; ``onebox purge`` runs the same rules once (for cron or PM2 set-ups that
want a timer as well).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
import anyio.to_thread
import structlog
from onebox_bus import Bus, BusError, Clock, Database
from onebox_bus.retention import DAY, purge_before
from sqlalchemy.exc import SQLAlchemyError

from .settings import ServiceSettings

log = structlog.get_logger("onebox.service.retention")


@dataclass(frozen=True, slots=True, kw_only=True)
class Purge:
    """One table's retention rule: `run()` deletes what is older than `days`; how many."""

    name: str
    days: float
    run: Callable[[], int]


def age_purge(
    db: Database,
    *,
    name: str,
    table: str,
    column: str,
    days: float,
    clock: Clock,
    batch: int,
    where: str = "",
) -> Purge:
    """A `Purge` of the rows of `table` whose `column` is more than `days` old."""

    def run() -> int:
        return purge_before(db, table, column, clock() - days * DAY, batch=batch, where=where)

    return Purge(name=name, days=days, run=run)


def shared_purges(db: Database, settings: ServiceSettings, *, clock: Clock) -> list[Purge]:
    """The rules for the tables every service writes (run by the orchestrator only)."""
    batch = settings.retention_batch_rows
    bus = Bus(db, clock=clock)
    done_days = settings.bus_done_retention_days

    def done() -> int:
        return bus.purge_done(older_than=done_days * DAY, batch=batch)

    return [
        Purge(name="bus_messages (done)", days=done_days, run=done),
        age_purge(
            db, name="service_webhook_events", table="service_webhook_events",
            column="received_at", days=settings.webhook_events_retention_days,
            clock=clock, batch=batch,
        ),
        age_purge(
            db, name="service_deliveries", table="service_deliveries", column="created_at",
            days=settings.deliveries_retention_days, clock=clock, batch=batch,
        ),
        age_purge(
            db, name="service_events", table="service_events", column="at",
            days=settings.events_retention_days, clock=clock, batch=batch,
        ),
        age_purge(
            db, name="metrics_samples", table="metrics_samples", column="start",
            days=settings.metrics_samples_retention_days, clock=clock, batch=batch,
        ),
        age_purge(
            db, name="service_parcels", table="service_parcels", column="created_at",
            days=settings.parcels_retention_days, clock=clock, batch=batch,
        ),
    ]  # fmt: skip


def run_purges(purges: Sequence[Purge]) -> dict[str, int]:
    """Run each rule once; rows deleted per rule (a rule that fails is logged and skipped)."""
    deleted: dict[str, int] = {}
    for purge in purges:
        try:
            deleted[purge.name] = purge.run()
        except (BusError, SQLAlchemyError) as exc:
            log.warning("retention.failed", table=purge.name, error=type(exc).__name__)
    return deleted


class RetentionWorker:
    """Runs the purges at start and every `every` seconds; goes round every `tick` seconds."""

    name = "retention"

    def __init__(self, purges: Sequence[Purge], *, every: float = 3600.0, tick: float = 5.0):
        self.purges = list(purges)
        self.every = every
        self.tick = tick
        self.running = False
        self.last_loop_at = time.monotonic()
        self.last_deleted: dict[str, int] = {}
        self._stop = anyio.Event()

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round."""
        return time.monotonic() - self.last_loop_at

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stop.set()

    async def run(self) -> None:
        """Purge at start and then every `every` seconds until `stop()`."""
        self.running = True
        next_run = 0.0
        try:
            while not self._stop.is_set():
                self.last_loop_at = time.monotonic()
                if self.last_loop_at >= next_run:
                    next_run = self.last_loop_at + self.every
                    self.last_deleted = await anyio.to_thread.run_sync(run_purges, self.purges)
                    if any(self.last_deleted.values()):
                        log.info("retention.purged", **self.last_deleted)
                with anyio.move_on_after(self.tick):
                    await self._stop.wait()
        finally:
            self.running = False
