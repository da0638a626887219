"""The textfile exporter: the metrics table and the bus's live figures as one ``onebox.prom``.

node_exporter's textfile collector reads every ``*.prom`` file in its directory on each
scrape. The exporter renders all services' series from ``metrics_samples`` (labelled
``service``) plus the bus's figures from `onebox_bus.Bus.stats`, writes them to a hidden
temporary file in the same directory (a name node_exporter ignores), makes it mode 0644
(node_exporter runs as another user) and renames it over ``onebox.prom``, so a scrape
never sees half a file. `roll_up` keeps the table small: raw rows older than the retention
fold into one row per series and day.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import structlog
from onebox_bus import BusStats
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from . import _store
from .errors import MetricsStoreError
from .family import format_bound
from .query import Series, last_flush, read_families, read_series

FILENAME = "onebox.prom"
DEFAULT_RETENTION = 14 * 86400.0

#: Families the exporter writes itself; a service's family with one of these names is skipped.
OWN_FAMILIES = {
    "onebox_bus_messages": "Messages in the bus by topic and state.",
    "onebox_bus_oldest_ready_age_seconds": "Age of the oldest ready message per topic.",
    "onebox_bus_dead_letters": "Dead letters per topic.",
    "onebox_bus_wal_bytes": "Size of the SQLite write-ahead log file.",
    "onebox_metrics_last_flush_timestamp_seconds": "When each service last flushed metrics.",
    "onebox_export_last_write_timestamp_seconds": "When this file was written.",
}

log = structlog.get_logger()


def render(engine: Engine, *, bus_stats: BusStats | None, now: float) -> bytes:
    """The exporter's text: every service's series plus the bus's figures."""
    series = read_series(engine)
    families = read_families(engine)
    flushed = last_flush(engine)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(series, families, flushed, bus_stats, now))
    return generate_latest(registry)


def write_textfile(directory: Path, data: bytes, *, filename: str = FILENAME) -> Path:
    """Atomically replace ``directory/filename`` with `data` (mode 0644); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / filename
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def roll_up(
    engine: Engine, *, now: float, retention: float = DEFAULT_RETENTION, width: float = 86400.0
) -> int:
    """Fold raw rows older than `retention` into one row per series and `width`; returns rows.

    Works one period at a time, each in its own short transaction.
    """
    cutoff = now - retention
    folded = 0
    try:
        while True:
            with engine.begin() as conn:
                oldest = _store.oldest_raw_start(conn, before=cutoff, width=width)
                if oldest is None:
                    break
                period = oldest - oldest % width
                folded += _store.rollup_range(
                    conn, begin=period, end=min(period + width, cutoff), width=width
                )
    except SQLAlchemyError as exc:
        raise MetricsStoreError(
            f"metrics roll-up failed: {getattr(exc, 'orig', None) or exc}"
        ) from None
    if folded:
        log.info("metrics.rolled_up", rows=folded, older_than_s=retention)
    return folded


def export(
    engine: Engine,
    directory: Path,
    *,
    bus_stats: BusStats | None,
    now: float | None = None,
    retention: float = DEFAULT_RETENTION,
) -> Path:
    """Roll up old rows, then write ``directory/onebox.prom``; returns its path."""
    now = time.time() if now is None else now
    roll_up(engine, now=now, retention=retention)
    path = write_textfile(directory, render(engine, bus_stats=bus_stats, now=now))
    log.debug("metrics.exported", path=str(path))
    return path


class _Snapshot:
    def __init__(
        self,
        series: list[Series],
        families: dict[str, tuple[str, str]],
        flushed: dict[str, float],
        bus_stats: BusStats | None,
        now: float,
    ) -> None:
        self.series, self.families, self.flushed = series, families, flushed
        self.bus_stats, self.now = bus_stats, now

    def collect(self) -> Iterator[Metric]:
        yield from self._table()
        yield from self._bus()
        flush = self._gauge("onebox_metrics_last_flush_timestamp_seconds", ["service"])
        for service, at in sorted(self.flushed.items()):
            flush.add_metric([service], at)
        yield flush
        done = self._gauge("onebox_export_last_write_timestamp_seconds", [])
        done.add_metric([], self.now)
        yield done

    def _gauge(self, name: str, labels: list[str]) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, OWN_FAMILIES[name], labels=labels)

    def _table(self) -> Iterator[Metric]:
        by_name: dict[str, list[Series]] = {}
        for s in self.series:
            by_name.setdefault(s.name, []).append(s)
        for name, group in sorted(by_name.items()):
            if name in OWN_FAMILIES:
                log.warning("metrics.family_shadowed", name=name)
                continue
            kind, help_ = self.families.get(name, (group[-1].kind, f"onebox metric {name}."))
            group = [s for s in group if s.kind == kind]
            names = sorted({label for s in group for label in s.labels})
            labelnames = ["service", *names]
            metric: Metric
            if kind == "counter":
                metric = CounterMetricFamily(name, help_, labels=labelnames)
            elif kind == "gauge":
                metric = GaugeMetricFamily(name, help_, labels=labelnames)
            else:
                metric = HistogramMetricFamily(name, help_, labels=labelnames)
            for s in group:
                values = [s.service, *(s.labels.get(label, "") for label in names)]
                if isinstance(metric, HistogramMetricFamily):
                    count = s.count or 0
                    buckets = [(format_bound(b), n) for b, n in (s.buckets or {}).items()]
                    buckets.append(("+Inf", count))
                    metric.add_metric(values, buckets, s.value)
                else:
                    metric.add_metric(values, s.value)
            yield metric

    def _bus(self) -> Iterator[Metric]:
        stats = self.bus_stats
        if stats is None:
            return
        messages = self._gauge("onebox_bus_messages", ["topic", "state"])
        oldest = self._gauge("onebox_bus_oldest_ready_age_seconds", ["topic"])
        dead = self._gauge("onebox_bus_dead_letters", ["topic"])
        for topic, s in sorted(stats.items()):
            for state in ("ready", "claimed", "done", "dead"):
                messages.add_metric([topic, state], getattr(s, state))
            oldest.add_metric([topic], s.oldest_ready_age_s)
            dead.add_metric([topic], s.dead)
        wal = self._gauge("onebox_bus_wal_bytes", [])
        wal.add_metric([], stats.wal_bytes)
        yield from (messages, oldest, dead, wal)
