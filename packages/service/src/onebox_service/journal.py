"""Message events: a message's journey across services, by correlation id, without a tracer.

Every service records one event per step of a message (webhook received, published, claimed,
routed, reply published, sent, platform status) into an in-memory buffer with
`MessageJournal.record`; `MessageJournal.run` writes the buffer to ``service_events`` every
`flush_every` seconds (like the metrics collector), in transactions of at most `chunk_rows`
events with a short pause between them, and purges rows older than the retention once an hour.
The chunks matter: a webhook's publish waits for SQLite's one write lock, and one transaction
of the 20,000 events a busy agent gathers in two seconds held it for about 50 ms, which every
request in flight then waited out.

`read_journey` reads one message's events back in time order and `slow_journeys` lists recent
messages whose journey took longer than a threshold; both are what ``onebox trace`` and the
admin API show.

Invariants:
- recording never touches the database and never raises on the hot path; a failed flush
  keeps its events for the next one (up to `max_buffer`, past which the oldest are dropped
  and counted);
- ``detail`` holds small scalar fields (provider, cache hit, latency, cost, status), never
  the message text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
import orjson
import structlog
from onebox_bus import BusError, Clock, Database
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ._schema import message_events as table

log = structlog.get_logger("onebox.service.journal")

Detail = str | int | float | bool | None

#: Steps in the order a message normally goes through them (for display).
STEPS = (
    "webhook.received",
    "published",
    "claimed",
    "routed",
    "reply.published",
    "reply.claimed",
    "sent",
    "send.retry",
    "send.failed",
    "status",
)
DEFAULT_RETENTION_SECONDS = 14 * 86400.0
PURGE_EVERY_SECONDS = 3600.0
DEFAULT_CHUNK_ROWS = 1000
#: Between two chunks the flush lets go of the write lock this long, so a writer waiting in
#: SQLite's busy handler (which polls after 1, 2, 5 ... ms) gets its turn.
CHUNK_PAUSE_SECONDS = 0.002
_COLUMNS = ("correlation_id", "service", "step", "at", "detail")


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyEvent:
    """One step of one message, as stored."""

    correlation_id: str
    service: str
    step: str
    at: float
    detail: dict[str, Detail] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneySummary:
    """One message's journey in brief, for `slow_journeys`."""

    correlation_id: str
    started_at: float
    seconds: float
    steps: int


class MessageJournal:
    """A service's buffered writer of message events.

    Args:
        service: the service's name, stored with every event.
        db: the shared database, or None to keep nothing (recording is free).
        clock: the time source (``time.time``).
        flush_every: seconds between flushes in `run`.
        retention: events older than this many seconds are purged (hourly, in `run`).
        max_buffer: events kept while the database refuses flushes; older ones are dropped.
        chunk_rows: the most events one flush transaction writes.
    """

    def __init__(
        self,
        service: str,
        db: Database | None = None,
        *,
        clock: Clock = time.time,
        flush_every: float = 2.0,
        retention: float = DEFAULT_RETENTION_SECONDS,
        max_buffer: int = 100_000,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self.service = service
        self.db = db
        self.clock = clock
        self.flush_every = flush_every
        self.retention = retention
        self.max_buffer = max_buffer
        self.chunk_rows = max(1, chunk_rows)
        self.dropped = 0
        self._buffer: list[tuple[object, ...]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stopping = False
        self._wake: anyio.Event | None = None
        self._purged_at = 0.0

    def record(
        self, correlation_id: str | None, step: str, *, at: float | None = None, **detail: Detail
    ) -> None:
        """Buffer one event; a message without a correlation id is not traced."""
        if not correlation_id or self.db is None:
            return
        row = (
            correlation_id[:100],
            self.service,
            step[:64],
            self.clock() if at is None else at,
            orjson.dumps(detail).decode() if detail else None,
        )
        with self._lock:
            self._buffer.append(row)
            if len(self._buffer) > self.max_buffer:
                extra = len(self._buffer) - self.max_buffer
                del self._buffer[:extra]
                self.dropped += extra

    def pending(self) -> int:
        """Events buffered and not yet written."""
        with self._lock:
            return len(self._buffer)

    def flush(self) -> int:
        """Write the buffered events, `chunk_rows` per transaction; returns how many.

        Raises:
            BusError: the database refused a write (`BusUnavailable`); the events not yet
                written stay buffered (ahead of any recorded since).
        """
        db = self.db
        if db is None:
            return 0
        with self._flush_lock:
            with self._lock:
                rows, self._buffer = self._buffer, []
            if not rows:
                return 0
            mark = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
            sql = (
                f"INSERT INTO {table.name} ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
            )
            written = 0
            try:
                while written < len(rows):
                    if written:
                        time.sleep(CHUNK_PAUSE_SECONDS)
                    chunk = rows[written : written + self.chunk_rows]
                    # the driver's executemany: a third of the cost of Core's per-row binding
                    db.write(lambda conn, chunk=chunk: conn.exec_driver_sql(sql, chunk))
                    written += len(chunk)
            except (SQLAlchemyError, BusError):
                with self._lock:
                    self._buffer[:0] = rows[written:]
                raise
            return written

    def purge(self, *, now: float | None = None) -> int:
        """Delete events older than the retention; returns how many."""
        db = self.db
        if db is None:
            return 0
        cutoff = (self.clock() if now is None else now) - self.retention

        def work(conn: Connection) -> int:
            return int(conn.execute(delete(table).where(table.c.at < cutoff)).rowcount or 0)

        return db.write(work)

    def _tick(self, *, final: bool) -> None:
        try:
            self.flush()
            now = self.clock()
            if not final and now - self._purged_at >= PURGE_EVERY_SECONDS:
                self._purged_at = now
                self.purge(now=now)
        except (SQLAlchemyError, BusError) as exc:
            log.warning("journal.flush_failed", service=self.service, error=type(exc).__name__)

    async def run(self) -> None:
        """Flush every `flush_every` seconds until `stop`, then once more."""
        self._wake = anyio.Event()
        try:
            while not self._stopping:
                with anyio.move_on_after(self.flush_every):
                    await self._wake.wait()
                if self._stopping:
                    break
                await anyio.to_thread.run_sync(lambda: self._tick(final=False))
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(lambda: self._tick(final=True))

    def stop(self) -> None:
        """Ask `run` to finish (call from the event loop's thread)."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()


def _event(row: Mapping[str, object]) -> JourneyEvent:
    raw = row["detail"]
    detail = orjson.loads(raw) if isinstance(raw, str) and raw else {}
    return JourneyEvent(
        correlation_id=str(row["correlation_id"]),
        service=str(row["service"]),
        step=str(row["step"]),
        at=float(row["at"]),  # type: ignore[arg-type]
        detail=detail,
    )


def read_journey(db: Database, correlation_id: str) -> list[JourneyEvent]:
    """One message's events in time order (empty when nothing is known about it)."""
    query = (
        select(table)
        .where(table.c.correlation_id == correlation_id)
        .order_by(table.c.at, table.c.id)
    )
    return db.read(lambda conn: [_event(r._mapping) for r in conn.execute(query)])


def slow_journeys(
    db: Database, *, longer_than: float, since: float, limit: int = 50
) -> list[JourneySummary]:
    """Messages first seen after `since` whose journey took more than `longer_than` seconds."""
    started, ended = func.min(table.c.at), func.max(table.c.at)
    query = (
        select(table.c.correlation_id, started, ended, func.count())
        .where(table.c.at >= since)
        .group_by(table.c.correlation_id)
        .having((ended - started) > longer_than)
        .order_by((ended - started).desc())
        .limit(limit)
    )
    rows = db.read(lambda conn: conn.execute(query).all())
    return [
        JourneySummary(
            correlation_id=str(cid), started_at=float(lo), seconds=float(hi - lo), steps=int(n)
        )
        for cid, lo, hi, n in rows
    ]


def format_journey(events: list[JourneyEvent]) -> list[str]:
    """Lines for a terminal: offset from the first step, time since the previous, step, detail."""
    if not events:
        return []
    first = previous = events[0].at
    lines = []
    for event in events:
        detail = " ".join(f"{k}={v}" for k, v in sorted(event.detail.items()))
        lines.append(
            f"+{(event.at - first) * 1000:9.1f} ms  (+{(event.at - previous) * 1000:8.1f} ms)  "
            f"{event.service:<14} {event.step:<16} {detail}".rstrip()
        )
        previous = event.at
    total = (events[-1].at - first) * 1000
    lines.append(f"total {total:.1f} ms over {len(events)} steps")
    return lines


def journey_json(events: list[JourneyEvent]) -> dict[str, object]:
    """The journey as JSON for the admin API (with the time spent before each step)."""
    first = previous = events[0].at if events else 0.0
    steps = []
    for event in events:
        steps.append(
            {
                "service": event.service,
                "step": event.step,
                "at": event.at,
                "offset_ms": round((event.at - first) * 1000, 1),
                "since_previous_ms": round((event.at - previous) * 1000, 1),
                "detail": event.detail,
            }
        )
        previous = event.at
    total = round((events[-1].at - first) * 1000, 1) if events else 0.0
    return {"steps": steps, "total_ms": total}
