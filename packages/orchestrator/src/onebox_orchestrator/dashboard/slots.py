"""The dashboard's figures per time slot, read from the metrics and router tables.

A `Slot` holds what happened in one time range ``[start, start + step)``: the increase of
each counter series, the merged buckets of each histogram series (both from
``metrics_samples``) and, per provider and outcome, the calls and their cost (from
``router_calls``). `SlotStore.slots` returns consecutive slots of one width (a minute, an hour
or a day, aligned to the epoch and so to UTC midnight).

Past slots never change once every writer has moved on (a metrics flush lands in the bucket
of the moment it runs; a call row is written right after its attempt ends), so a slot that
ended more than `settle` seconds ago is read once and kept in memory. A slot still open is
built from the finer slots inside it (a day from its hours, an hour from its minutes), so a
warm page costs a few small range reads however long the history is. The metrics roll-up
(raw rows folded into one row per day) keeps day slots exact; it only runs on rows older
than the finer windows shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: The slot widths the store knows, and which finer width builds an open slot of each.
FINER = {DAY: HOUR, HOUR: MINUTE}
#: How long completed slots of each width are kept in memory.
KEEP = {MINUTE: 3 * HOUR, HOUR: 2 * DAY, DAY: 33 * DAY}

#: Metric families the dashboard reads (emitted by the orchestrator, the senders, the router).
MESSAGES = "onebox_orchestrator_messages_total"
DELIVERIES = "onebox_deliveries_total"
CACHE_LOOKUPS = "onebox_router_cache_lookups_total"
REPLY_LATENCY = "onebox_reply_latency_seconds"
COUNTERS = (MESSAGES, DELIVERIES, CACHE_LOOKUPS)
HISTOGRAMS = (REPLY_LATENCY,)

SeriesKey = tuple[str, str]  # (family name, canonical labels JSON)

_COUNTER_SQL = text(
    "SELECT name, labels, SUM(value) FROM metrics_samples"
    " WHERE name IN :names AND start >= :a AND start < :b GROUP BY name, labels"
).bindparams(bindparam("names", expanding=True))
_HISTOGRAM_SQL = text(
    "SELECT name, labels, value, count, buckets FROM metrics_samples"
    " WHERE name IN :names AND start >= :a AND start < :b"
).bindparams(bindparam("names", expanding=True))
_CALLS_SQL = text(
    "SELECT provider, outcome, COUNT(*), SUM(cost_usd) FROM router_calls"
    " WHERE created_at >= :a AND created_at < :b GROUP BY provider, outcome"
)


@dataclass(slots=True)
class Histogram:
    """Merged observations: their number, their sum, cumulative counts per upper bound."""

    count: int = 0
    total: float = 0.0
    buckets: dict[float, int] = field(default_factory=dict)

    def add(self, other: Histogram) -> None:
        """Merge `other` into this one."""
        self.count += other.count
        self.total += other.total
        for bound, n in other.buckets.items():
            self.buckets[bound] = self.buckets.get(bound, 0) + n


@dataclass(slots=True)
class Calls:
    """Provider calls of one (provider, outcome): how many, and what they cost in USD."""

    count: int = 0
    cost_usd: float = 0.0


@dataclass(slots=True)
class Slot:
    """What happened in ``[start, start + step)``."""

    start: float
    step: float
    counters: dict[SeriesKey, float] = field(default_factory=dict)
    histograms: dict[SeriesKey, Histogram] = field(default_factory=dict)
    calls: dict[tuple[str, str], Calls] = field(default_factory=dict)

    def add(self, other: Slot) -> None:
        """Add `other`'s figures to this slot's."""
        for key, value in other.counters.items():
            self.counters[key] = self.counters.get(key, 0.0) + value
        for key, hist in other.histograms.items():
            self.histograms.setdefault(key, Histogram()).add(hist)
        for key, calls in other.calls.items():
            mine = self.calls.setdefault(key, Calls())
            mine.count += calls.count
            mine.cost_usd += calls.cost_usd


def merge(slots: Iterable[Slot], *, start: float, step: float) -> Slot:
    """One slot holding the sum of `slots`."""
    total = Slot(start=start, step=step)
    for slot in slots:
        total.add(slot)
    return total


def read_slot(conn: Connection, start: float, step: float) -> Slot:
    """Read one slot's figures from the database."""
    slot = Slot(start=start, step=step)
    bounds = {"a": start, "b": start + step}
    for name, labels, value in conn.execute(_COUNTER_SQL, {"names": list(COUNTERS), **bounds}):
        slot.counters[(name, labels)] = float(value or 0.0)
    rows = conn.execute(_HISTOGRAM_SQL, {"names": list(HISTOGRAMS), **bounds})
    for name, labels, value, count, buckets in rows:
        hist = slot.histograms.setdefault((name, labels), Histogram())
        hist.count += int(count or 0)
        hist.total += float(value or 0.0)
        for bound, n in orjson.loads(buckets or "{}").items():
            key = float(bound)
            hist.buckets[key] = hist.buckets.get(key, 0) + int(n)
    for provider, outcome, count, cost in conn.execute(_CALLS_SQL, bounds):
        slot.calls[(provider, outcome)] = Calls(count=int(count), cost_usd=float(cost or 0.0))
    return slot


class SlotStore:
    """Consecutive slots of a width, completed ones read once and kept.

    Args:
        engine: an engine on the shared database.
        clock: the time source.
        settle: seconds after its end when a slot no longer changes.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], float], settle: float = 120.0):
        self.engine = engine
        self.clock = clock
        self.settle = settle
        self._done: dict[tuple[float, float], Slot] = {}
        self._open: dict[tuple[float, float], Slot] = {}
        self._open_at: float | None = None
        self._lock = threading.Lock()
        self.reads = 0

    def slots(
        self, step: float, first: float, count: int, *, now: float | None = None
    ) -> list[Slot]:
        """`count` slots of width `step` from `first` (aligned to `step`), oldest first.

        Calls given the same `now` share the open slots they read (one page, one snapshot).
        """
        with self._lock, self.engine.connect() as conn:
            now = self.clock() if now is None else now
            if now != self._open_at:
                self._open, self._open_at = {}, now
                self._forget(now)
            return [self._slot(conn, step, first + i * step, now) for i in range(count)]

    def _slot(self, conn: Connection, step: float, start: float, now: float) -> Slot:
        key = (step, start)
        kept = self._done.get(key) or self._open.get(key)
        if kept is not None:
            return kept
        if start > now:
            return Slot(start=start, step=step)
        settled = start + step <= now - self.settle
        finer = FINER.get(step)
        if not settled and finer is not None:
            parts = int(step // finer)
            inner = (self._slot(conn, finer, start + i * finer, now) for i in range(parts))
            slot = merge(inner, start=start, step=step)
        else:
            self.reads += 1
            slot = read_slot(conn, start, step)
        (self._done if settled else self._open)[key] = slot
        return slot

    def _forget(self, now: float) -> None:
        stale = [key for key in self._done if key[1] < now - KEEP.get(key[0], DAY)]
        for key in stale:
            del self._done[key]
