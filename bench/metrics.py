"""Benchmark onebox-metrics against prometheus-client, measured in the same run.

    uv run python bench/metrics.py [--quick]

Prints, each beside its baseline and the ratio:
- the cost of one counter increment with two labels (prometheus-client: ``labels(...).inc()``);
- the cost of one histogram observation with one label;
- the time of one flush of 10,000 distinct series (baseline: a bare sqlite3 executemany of
  the same rows in one transaction);
- the table's size for a year at 50K events a day (baseline: one row per event).
"""

from __future__ import annotations

import argparse
import logging
import random
import sqlite3
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import prometheus_client
import structlog
from onebox_bus import Database
from onebox_bus.testing import FakeClock, migrated_sqlite
from onebox_metrics import Collector
from onebox_metrics.exporter import roll_up
from sqlalchemy import text

prometheus_client.disable_created_metrics()
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def per_call(fn: Callable[[], None], number: int, repeat: int) -> float:
    """Best-of-`repeat` seconds per call of `fn`."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def show(label: str, ours: float, base: float, unit: str, base_label: str) -> None:
    scale, suffix = {"ns": (1e9, "ns"), "ms": (1e3, "ms"), "MB": (1e-6, "MB")}[unit]
    print(
        f"{label:<44} onebox {ours * scale:10.1f} {suffix}   {base_label} "
        f"{base * scale:10.1f} {suffix}   ratio {ours / base:5.2f}x"
    )


def bench_hot_path(number: int, repeat: int) -> None:
    registry = prometheus_client.CollectorRegistry()
    pc = prometheus_client.Counter(
        "onebox_pc_requests", "Requests.", ["channel", "outcome"], registry=registry
    )
    ph = prometheus_client.Histogram(
        "onebox_pc_latency_seconds", "Latency.", ["channel"], registry=registry
    )
    collector = Collector(service="bench")
    oc = collector.counter("onebox_requests_total", "Requests.", labels=("channel", "outcome"))
    oh = collector.histogram("onebox_latency_seconds", "Latency.", labels=("channel",))

    def ours_inc() -> None:
        oc.inc(channel="telegram", outcome="accepted")

    def pc_inc() -> None:
        pc.labels(channel="telegram", outcome="accepted").inc()

    def pc_inc_positional() -> None:
        pc.labels("telegram", "accepted").inc()

    def ours_observe() -> None:
        oh.observe(0.2, channel="telegram")

    def pc_observe() -> None:
        ph.labels(channel="telegram").observe(0.2)

    ours, base = per_call(ours_inc, number, repeat), per_call(pc_inc, number, repeat)
    show("counter inc, 2 labels (keywords)", ours, base, "ns", "prometheus-client")
    show(
        "counter inc vs positional labels()",
        ours,
        per_call(pc_inc_positional, number, repeat),
        "ns",
        "prometheus-client",
    )
    limit_ok = ours <= 2 * base
    show(
        "histogram observe, 1 label",
        per_call(ours_observe, number, repeat),
        per_call(pc_observe, number, repeat),
        "ns",
        "prometheus-client",
    )
    print(
        f"  counter within 2x of prometheus-client's Counter.inc(): {'yes' if limit_ok else 'NO'}"
    )


def bench_flush(folder: Path, series: int) -> None:
    url = migrated_sqlite(folder / "flush.db")
    db = Database(url)
    clock = FakeClock()
    collector = Collector(service="bench", db=db, clock=clock)
    counter = collector.counter("onebox_series_total", "Series.", labels=("n",))
    for n in range(series):
        counter.inc(n=str(n))
    began = time.perf_counter()
    written = collector.flush()
    first = time.perf_counter() - began
    for n in range(series):  # every series changed again, in the same bucket: a merge
        counter.inc(n=str(n))
    began = time.perf_counter()
    collector.flush()
    merge = time.perf_counter() - began
    db.close()
    assert written == series

    conn = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE s (service TEXT, name TEXT, labels TEXT, width REAL, start REAL, kind TEXT,"
        " value REAL, count INTEGER, buckets TEXT, updated_at REAL,"
        " PRIMARY KEY (service, name, labels, width, start))"
    )
    rows = [
        (
            "bench",
            "onebox_series_total",
            f'{{"n":"{n}"}}',
            60.0,
            0.0,
            "counter",
            1.0,
            None,
            None,
            0.0,
        )
        for n in range(series)
    ]
    began = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO s VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    conn.execute("COMMIT")
    base = time.perf_counter() - began
    conn.close()
    show(f"flush {series:,} new series (one transaction)", first, base, "ms", "sqlite3 insert")
    show(f"flush {series:,} changed series (merge)", merge, base, "ms", "sqlite3 insert")


def bench_storage(folder: Path, *, days: int) -> None:
    """Simulate `days` at 50K events a day over 24 series, roll up, extrapolate to a year."""
    url = migrated_sqlite(folder / "year.db")
    db = Database(url)
    clock = FakeClock(start=1_800_000_000.0 - 1_800_000_000.0 % 86400)
    rng = random.Random(7)
    collector = Collector(service="orchestrator", db=db, clock=clock)
    requests = collector.counter(
        "onebox_webhook_requests_total", "Webhooks.", labels=("channel", "outcome")
    )
    latency = collector.histogram("onebox_reply_latency_seconds", "Latency.", labels=("channel",))
    depth = collector.gauge("onebox_queue_depth", "Waiting.", labels=("topic",))
    per_minute = 50_000 / 1440
    for _ in range(days * 1440):
        for _ in range(int(per_minute + rng.random())):
            channel = rng.choice(("telegram", "whatsapp"))
            requests.inc(channel=channel, outcome=rng.choice(("accepted", "duplicate", "bad")))
            latency.observe(rng.expovariate(2.0), channel=channel)
        depth.set(rng.randint(0, 5), topic="inbound")
        collector.flush()
        clock.advance(60)

    def stats() -> tuple[int, int]:
        with db.engine.connect() as conn:
            rows = int(conn.execute(text("SELECT count(*) FROM metrics_samples")).scalar_one())
            size = sum(
                int(
                    conn.execute(
                        text(f"SELECT sum(pgsize) FROM dbstat WHERE name = '{n}'")
                    ).scalar_one()
                    or 0
                )
                for n in (
                    "metrics_samples",
                    "ix_metrics_samples_start",
                    "ix_metrics_samples_name_start",
                )
            )
        return rows, size

    raw_rows, raw_bytes = stats()
    began = time.perf_counter()
    roll_up(db.engine, now=clock() + 86400 * 15, retention=14 * 86400)
    rollup_s = time.perf_counter() - began
    daily_rows, daily_bytes = stats()
    db.close()
    per_raw_day = raw_bytes / days
    per_daily_day = daily_bytes / days
    year = 14 * per_raw_day + (365 - 14) * per_daily_day
    naive = 50_000 * 365 * 60  # one ~60-byte row per event, no index
    print(
        f"storage: {raw_rows / days:,.0f} raw rows/day -> {daily_rows / days:,.0f} rows/day "
        f"after roll-up ({rollup_s * 1000:.0f} ms for {days} day(s))"
    )
    show("a year at 50K events/day (14 d raw + daily)", year, naive, "MB", "row per event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (CI smoke run)")
    args = parser.parse_args()
    number, repeat = (20_000, 3) if args.quick else (100_000, 5)
    print(f"onebox-metrics benchmark (prometheus-client {_version()})")
    bench_hot_path(number, repeat)
    with tempfile.TemporaryDirectory() as tmp:
        bench_flush(Path(tmp), 10_000)
        bench_storage(Path(tmp), days=1)


def _version() -> str:
    from importlib.metadata import version

    return version("prometheus-client")


if __name__ == "__main__":
    main()
