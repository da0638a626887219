"""The collector: a service's metric families, rendered live and flushed to the shared database.

Services count on their hot paths into in-memory families (`Counter`, `Gauge`,
`Histogram`); `Collector.render` gives the live figures in the Prometheus text format for
``GET /metrics``; `Collector.flush` writes what changed since the last flush into
``metrics_samples`` in ONE transaction, and `Collector.run` does that every `flush_every`
seconds from a worker thread until `Collector.stop`, then flushes once more.

Invariants:
- the families keep cumulative figures; a flush writes the difference between a snapshot
  and the last *successfully written* snapshot, so a failed flush loses nothing: its
  changes are written by the next one;
- a flush lands in the time bucket of the moment it runs (``start = now - now % bucket``);
- without a database the collector only renders (flush is a no-op).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import structlog
from onebox_bus import BusError, Clock, Database
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from sqlalchemy.exc import SQLAlchemyError

from . import _store
from .errors import MetricDefinitionError, MetricsStoreError
from .family import DEFAULT_BUCKETS, Counter, Family, Gauge, Histogram, Kind, LabelKey, format_bound

_F = TypeVar("_F", bound=Family)

#: The ``Content-Type`` of `Collector.render`'s output.
CONTENT_TYPE = CONTENT_TYPE_LATEST

log = structlog.get_logger()


class Collector:
    """One service's metrics: declare families, count, render, flush.

    Args:
        service: the service's name, stored with every row (the ``service`` label).
        db: the shared database (`onebox_bus.Database`), or None to
            keep the figures in memory only.
        flush_every: seconds between flushes in `run`.
        clock: the time source (``time.time``).
        bucket_seconds: width of the time buckets rows are written into.
    """

    def __init__(
        self,
        service: str,
        db: Database | None = None,
        flush_every: float = 10.0,
        clock: Clock = time.time,
        *,
        bucket_seconds: float = 60.0,
    ) -> None:
        if not service or not isinstance(service, str):
            raise MetricDefinitionError("a collector needs a service name")
        if flush_every <= 0 or bucket_seconds <= 0:
            raise MetricDefinitionError("flush_every and bucket_seconds must be positive")
        self.service = service
        self.db = db
        self.flush_every = float(flush_every)
        self.clock = clock
        self.bucket_seconds = float(bucket_seconds)
        self._families: dict[str, Family] = {}
        self._before_read: list[Callable[[], None]] = []
        self._declare_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._flushed: dict[str, dict[LabelKey, list[float]]] = {}
        self._families_written: set[str] = set()
        self._stopping = False
        self._stop_event: anyio.Event | None = None
        self._token: Any = None
        self._loop_thread: int | None = None
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(_LiveView(self))

    # -- declaring ---------------------------------------------------------------------------

    def counter(self, name: str, help: str, labels: Sequence[str] = ()) -> Counter:
        """The counter `name` (created on first call, the same object afterwards)."""
        return self._declare(
            Counter, "counter", name, help, labels, (), lambda: Counter(name, help, labels)
        )

    def gauge(self, name: str, help: str, labels: Sequence[str] = ()) -> Gauge:
        """The gauge `name` (created on first call, the same object afterwards)."""
        return self._declare(
            Gauge, "gauge", name, help, labels, (), lambda: Gauge(name, help, labels)
        )

    def histogram(
        self,
        name: str,
        help: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        """The histogram `name` with upper bounds `buckets` (``+Inf`` is implied)."""
        return self._declare(
            Histogram,
            "histogram",
            name,
            help,
            labels,
            buckets,
            lambda: Histogram(name, help, labels, buckets),
        )

    def _declare(
        self,
        cls: type[_F],
        kind: Kind,
        name: str,
        help: str,
        labels: Sequence[str],
        buckets: Sequence[float],
        make: Callable[[], _F],
    ) -> _F:
        with self._declare_lock:
            family = self._families.get(name)
            if family is None:
                family = self._families[name] = make()
                self._flushed[name] = {}
            elif not family.same_shape(kind, labels, buckets):
                raise MetricDefinitionError(
                    f"metric {name!r} is already declared as {family!r}; "
                    f"cannot redeclare it as a {kind} with labels {list(labels)!r}"
                )
        assert isinstance(family, cls)
        return family

    def before_read(self, hook: Callable[[], None]) -> None:
        """Call `hook` whenever the families are read (``/metrics``, a flush, `families`).

        For a source that must not touch a family where it happens: a ``gc.callbacks``
        callback runs inside whatever allocation triggered the collection, possibly while its
        own thread holds that family's lock, so it queues its figures and a hook feeds them.
        """
        self._before_read.append(hook)

    def families(self) -> list[Family]:
        """Every declared family, in declaration order, once the `before_read` hooks ran."""
        for hook in self._before_read:
            hook()
        with self._declare_lock:
            return list(self._families.values())

    # -- live view ---------------------------------------------------------------------------

    def render(self) -> bytes:
        """This process's live figures in the Prometheus text format (for ``GET /metrics``)."""
        return generate_latest(self._registry)

    # -- flushing ----------------------------------------------------------------------------

    def flush(self) -> int:
        """Write what changed since the last flush in one transaction; returns rows written.

        Raises:
            MetricsStoreError: the database refused the write (nothing is lost: the next
                flush writes these changes too).
        """
        if self.db is None:
            return 0
        with self._flush_lock:
            now = self.clock()
            start = now - now % self.bucket_seconds
            snapshots: dict[str, dict[LabelKey, list[float]]] = {}
            rows: list[_store.Row] = []
            for family in self.families():
                snap = snapshots[family.name] = family.snapshot()
                rows.extend(self._changes(family, snap, self._flushed[family.name], now))
            new_families = [
                (f.name, f.kind, f.help)
                for f in self.families()
                if f.name not in self._families_written and f.name in snapshots
            ]
            if not rows and not new_families:
                return 0
            began = time.perf_counter()
            try:
                with self.db.transaction() as conn:
                    _store.write_families(conn, new_families, now=now)
                    written = _store.write_bucket(
                        conn, rows, service=self.service, width=self.bucket_seconds, start=start
                    )
            except (SQLAlchemyError, BusError) as exc:
                detail = str(getattr(exc, "orig", None) or exc or type(exc).__name__)
                raise MetricsStoreError(f"metrics flush failed: {detail}") from None
            self._flushed.update(snapshots)
            self._families_written.update(name for name, _, _ in new_families)
            log.debug(
                "metrics.flushed",
                service=self.service,
                rows=written,
                seconds=round(time.perf_counter() - began, 4),
            )
            return written

    def _changes(
        self,
        family: Family,
        snap: dict[LabelKey, list[float]],
        flushed: dict[LabelKey, list[float]],
        now: float,
    ) -> Iterator[_store.Row]:
        for key, cell in snap.items():
            before = flushed.get(key)
            if family.kind == "gauge":
                if before is not None and before[0] == cell[0]:
                    continue
                yield self._row(family, key, value=cell[0], now=now)
            elif family.kind == "counter":
                delta = cell[0] - (before[0] if before else 0.0)
                if delta:
                    yield self._row(family, key, value=delta, now=now)
            else:
                assert isinstance(family, Histogram)
                diff = [a - b for a, b in zip(cell, before, strict=True)] if before else cell
                buckets, count = family.cumulative(diff)
                if count:
                    yield self._row(
                        family, key, value=diff[0], now=now, count=count, buckets=buckets
                    )

    def _row(
        self, family: Family, key: LabelKey, *, value: float, now: float, **extra: Any
    ) -> _store.Row:
        return _store.Row(
            service=self.service,
            name=family.name,
            labels=family.labels_json(key),
            kind=family.kind,
            value=value,
            updated_at=now,
            **extra,
        )

    async def run(self) -> None:
        """Flush every `flush_every` seconds (in a worker thread) until `stop`, then once more.

        A failed periodic flush is logged and retried at the next tick. The last flush also
        runs when the task is cancelled.
        """
        self._stop_event = anyio.Event()
        self._token = anyio.lowlevel.current_token()
        self._loop_thread = threading.get_ident()
        try:
            while not self._stopping:
                with anyio.move_on_after(self.flush_every):
                    await self._stop_event.wait()
                if self._stopping:
                    break
                await self._flush_in_thread(final=False)
        finally:
            with anyio.CancelScope(shield=True):
                await self._flush_in_thread(final=True)
            self._stop_event = None
            self._token = None

    async def _flush_in_thread(self, *, final: bool) -> None:
        try:
            await anyio.to_thread.run_sync(self.flush)
        except MetricsStoreError as exc:  # the loop outlives a busy or missing database
            log.warning(
                "metrics.final_flush_failed" if final else "metrics.flush_failed",
                service=self.service,
                error=str(exc),
            )

    def stop(self) -> None:
        """Ask `run` to finish; it flushes once more on the way out. Safe from any thread."""
        self._stopping = True
        event, token = self._stop_event, self._token
        if event is None:
            return
        if threading.get_ident() == self._loop_thread:
            event.set()
            return
        with contextlib.suppress(RuntimeError):  # the loop has already finished
            anyio.from_thread.run_sync(event.set, token=token)

    def close(self) -> None:
        """The final flush for code that does not use `run`."""
        self._stopping = True
        self.flush()


class _LiveView:
    """Hands the collector's live figures to prometheus-client's text renderer."""

    def __init__(self, collector: Collector) -> None:
        self._collector = collector

    def collect(self) -> Iterator[Metric]:
        for family in self._collector.families():
            names = list(family.labelnames)
            snap = family.snapshot()
            metric: Metric
            if isinstance(family, Histogram):
                metric = HistogramMetricFamily(family.name, family.help, labels=names)
                for key, cell in snap.items():
                    cumulative, count = family.cumulative(cell)
                    buckets = [*cumulative.items(), (format_bound(float("inf")), count)]
                    metric.add_metric(list(key), buckets, cell[0])
            elif isinstance(family, Counter):
                metric = CounterMetricFamily(family.name, family.help, labels=names)
                for key, cell in snap.items():
                    metric.add_metric(list(key), cell[0])
            else:
                metric = GaugeMetricFamily(family.name, family.help, labels=names)
                for key, cell in snap.items():
                    metric.add_metric(list(key), cell[0])
            yield metric
