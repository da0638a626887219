"""The resources one service process holds, and the lifespan that starts and stops them.

`open_runtime` (called from `create_app`) opens the process's one `Database`, checks the
schema revision on it, and builds on it, by explicit construction, the bus, the metrics
collector, the message journal, the delivery and webhook-event stores and the sd_notify
client. Workers (bus `Consumer`s, `Sender`s) are added
with `add_worker`; the app's lifespan (`lifespan`) starts them with the collector's flush loop
and the watchdog pings, and on shutdown says STOPPING=1, stops claiming, drains within the
grace period (the rest is released), flushes metrics and closes everything.

Observability rides along: `RuntimeVitals` (``runtime.vitals``: GC pauses, SQLite lock waits
through the database's ``on_lock_wait`` hook, process figures, event-loop lag, provider quotas)
and the `MessageJournal` (``runtime.journal``: one event per step of a message) run in the
lifespan too; consumers added with `add_consumer` record a ``claimed`` event per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from onebox_bus import Bus, Clock, Consumer, Database, Handler, Message, check_schema
from onebox_metrics import Collector
from sqlalchemy.engine import Engine

from .deliveries import DeliveryStore
from .journal import MessageJournal
from .notify import SystemdNotifier
from .settings import ServiceSettings, SystemdEnvironment, systemd_environment
from .vitals import RuntimeVitals
from .webhooks import WebhookEventStore

#: How long `ServiceRuntime.close` waits for a side thread to finish its read.
SIDE_THREAD_JOIN_SECONDS = 30.0

log = structlog.get_logger("onebox.service.runtime")


class Worker(Protocol):
    """A long-running loop the lifespan starts and stops (a bus `Consumer`, a `Sender`)."""

    @property
    def name(self) -> str:
        """A stable name for health and logs."""
        ...

    @property
    def running(self) -> bool:
        """True while its loop runs."""
        ...

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round."""
        ...

    async def run(self) -> None:
        """Run until `stop()`; drain before returning."""
        ...

    def stop(self) -> None:
        """Ask `run()` to finish."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerHealth:
    """One worker's liveness, as `/health` reports it."""

    name: str
    running: bool
    last_loop_age_s: float
    alive: bool


class ServiceRuntime:
    """What one service process holds: database, bus, collector, stores, notifier, workers.

    Built by `open_runtime` (every part constructed with what it needs). The lifespan owns
    it: on shutdown it closes the database.
    """

    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        db: Database,
        bus: Bus,
        collector: Collector,
        journal: MessageJournal,
        deliveries: DeliveryStore,
        events: WebhookEventStore,
        vitals: RuntimeVitals,
        notifier: SystemdNotifier,
        clock: Clock = time.time,
    ) -> None:
        self.service = service
        self.settings = settings
        self.db = db
        self.bus = bus
        self.collector = collector
        self.notifier = notifier
        self.clock = clock
        self.deliveries = deliveries
        self.events = events
        self.vitals = vitals
        self.journal = journal
        self.workers: list[Worker] = []
        #: Side threads that use the database (a warm-up read): joined before it is closed,
        #: since closing a SQLite connection another thread is reading on crashes the process.
        self.side_threads: list[threading.Thread] = []
        #: Called (awaited, in order) when the app shuts down, before the workers stop and the
        #: database closes: write what was left behind (e.g. window rows). Litestar's own
        #: ``on_shutdown`` hooks run after the lifespan has closed the database.
        self.before_stop: list[Callable[[], Awaitable[object]]] = []
        self.consumed_topics: list[str] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    @property
    def engine(self) -> Engine:
        """The database's engine (for readers written against SQLAlchemy, e.g. dashboards)."""
        return self.db.engine

    def add_worker(self, worker: Worker, *, topic: str | None = None) -> Worker:
        """Run `worker` in the lifespan; `topic` (or ``worker.topic``) is reported by /health."""
        self.workers.append(worker)
        topic = topic or getattr(worker, "topic", None)
        if topic and topic not in self.consumed_topics:
            self.consumed_topics.append(topic)
        return worker

    def add_consumer(self, topic: str, handler: Handler, *, name: str, **options: Any) -> Consumer:
        """Create a bus `Consumer` with the service's grace period and run it in the lifespan."""
        options.setdefault("grace", self.settings.shutdown_grace_seconds)
        journal, inner = self.journal, handler

        async def traced(message: Message) -> None:
            journal.record(message.correlation_id, "claimed", topic=topic, attempt=message.attempt)
            await inner(message)

        consumer = Consumer(self.bus, topic, traced, name=name, **options)
        self.add_worker(consumer, topic=topic)
        return consumer

    def worker_health(self) -> list[WorkerHealth]:
        """Each worker's liveness: running, and its loop went round within the stall limit."""
        out = []
        for worker in self.workers:
            age = worker.seconds_since_loop()
            task = self._tasks.get(worker.name)
            running = bool(worker.running) and (task is None or not task.done())
            alive = running and age < self.settings.worker_stall_seconds
            out.append(
                WorkerHealth(name=worker.name, running=running, last_loop_age_s=age, alive=alive)
            )
        return out

    def workers_alive(self) -> bool:
        """True when every worker is alive (the watchdog pings only then)."""
        return all(w.alive for w in self.worker_health())

    async def start(self, *, ready_timeout: float = 10.0) -> None:
        """Start every worker and the metrics flush loop; return once the workers run."""
        for worker in self.workers:
            self._tasks[worker.name] = asyncio.create_task(
                self._guard(worker), name=f"worker-{worker.name}"
            )
        self._tasks["<metrics>"] = asyncio.create_task(self.collector.run(), name="metrics")
        self._tasks["<vitals>"] = asyncio.create_task(self.vitals.run(), name="vitals")
        self._tasks["<journal>"] = asyncio.create_task(self.journal.run(), name="journal")
        seconds = self.notifier.watchdog_seconds
        if self.notifier.enabled and seconds:
            self._tasks["<watchdog>"] = asyncio.create_task(
                self._watchdog(max(0.05, seconds / 3)), name="watchdog"
            )
        deadline = time.monotonic() + ready_timeout
        while not all(w.running for w in self.workers) and time.monotonic() < deadline:
            if any(self._tasks[w.name].done() for w in self.workers):
                break
            await asyncio.sleep(0.005)
        log.info("service.started", service=self.service, workers=[w.name for w in self.workers])

    async def _guard(self, worker: Worker) -> None:
        try:
            await worker.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker.crashed", worker=worker.name)
            raise

    async def _watchdog(self, interval: float) -> None:
        while True:
            if self.workers_alive():
                self.notifier.watchdog()
            else:
                log.warning("watchdog.withheld", service=self.service)
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """STOPPING=1, stop claiming, drain within the grace period, final metrics flush."""
        self.notifier.stopping()
        log.info("service.stopping", service=self.service)
        for worker in self.workers:
            worker.stop()
        worker_tasks = [self._tasks[w.name] for w in self.workers if w.name in self._tasks]
        if worker_tasks:
            limit = self.settings.shutdown_grace_seconds + 5.0
            _, pending = await asyncio.wait(worker_tasks, timeout=limit)
            for task in pending:
                task.cancel()
            await asyncio.gather(*worker_tasks, return_exceptions=True)
        watchdog = self._tasks.pop("<watchdog>", None)
        if watchdog is not None:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
        for key, part in (("<vitals>", self.vitals), ("<journal>", self.journal)):
            part_task = self._tasks.pop(key, None)
            part.stop()
            if part_task is not None:
                await asyncio.gather(part_task, return_exceptions=True)
        metrics = self._tasks.pop("<metrics>", None)
        self.collector.stop()
        if metrics is not None:
            await asyncio.gather(metrics, return_exceptions=True)
        self._tasks.clear()
        log.info("service.stopped", service=self.service)

    def close(self) -> None:
        """Close the bus and the database, close the notify socket."""
        if self._closed:
            return
        self._closed = True
        for thread in self.side_threads:
            thread.join(timeout=SIDE_THREAD_JOIN_SECONDS)
        self.bus.close()
        self.db.close()
        self.notifier.close()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: object = None) -> AsyncIterator[None]:
        """The Litestar lifespan: start on entry; stop and close on exit."""
        await self.start()
        try:
            yield
        finally:
            for hook in self.before_stop:
                try:
                    await hook()
                except Exception as exc:  # noqa: BLE001 - the others and the close still run
                    log.error("service.before_stop_failed", hook=getattr(hook, "__qualname__",
                              "?"), error=type(exc).__name__)  # fmt: skip
            await self.stop()
            self.close()


def open_runtime(
    settings: ServiceSettings,
    *,
    service: str,
    clock: Clock = time.time,
    verify_schema: bool = True,
    systemd: SystemdEnvironment | None = None,
    collector: Collector | None = None,
) -> ServiceRuntime:
    """Open what a service holds, for `create_app`: one `Database`, and everything on it.

    Raises:
        SchemaError: the database is not migrated to the installed packages' heads.
    """
    env = systemd if systemd is not None else systemd_environment()
    db = Database(
        settings.database_url,
        busy_timeout=settings.busy_timeout_seconds,
        synchronous=settings.database_synchronous,
    )
    try:
        if verify_schema:
            check_schema(db)
        if collector is None:
            collector = Collector(
                service=service, db=db, flush_every=settings.metrics_flush_seconds, clock=clock
            )
        vitals = RuntimeVitals(collector, sample_every=settings.runtime_sample_seconds)
        db.on_lock_wait = vitals.lock_wait
        journal = MessageJournal(
            service,
            db if settings.events_enabled else None,
            clock=clock,
            flush_every=settings.events_flush_seconds,
            retention=settings.events_retention_days * 86400.0,
        )
        return ServiceRuntime(
            service=service,
            settings=settings,
            db=db,
            bus=Bus(db, clock=clock, doorbell=settings.bus_doorbell),
            collector=collector,
            journal=journal,
            deliveries=DeliveryStore(db, clock=clock, journal=journal),
            events=WebhookEventStore(db, clock=clock, journal=journal),
            vitals=vitals,
            notifier=SystemdNotifier(env.notify_socket, watchdog_seconds=env.watchdog_seconds),
            clock=clock,
        )
    except BaseException:
        db.close()
        raise
