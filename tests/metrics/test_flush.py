"""Flushing to the metrics table: one transaction, only changes, nothing lost on a normal stop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock, migrated_sqlite
from onebox_metrics import Collector, MetricsStoreError
from onebox_metrics.query import read_families, read_series
from sqlalchemy import text


def totals(db: Database) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.service, s.name, tuple(sorted(s.labels.items()))): s.value
        for s in read_series(db.engine)
    }


def row_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM metrics_samples")).scalar_one())


def test_flush_writes_changes_only_and_counters_add_up(db: Database, clock: FakeClock) -> None:
    collector = Collector(service="orchestrator", db=db, clock=clock)
    c = collector.counter("onebox_replies_total", "Replies.", labels=("channel",))
    g = collector.gauge("onebox_queue_depth", "Waiting.", labels=("topic",))
    c.inc(channel="telegram")
    c.inc(2, channel="whatsapp")
    g.set(7, topic="inbound")
    assert collector.flush() == 3
    assert collector.flush() == 0  # nothing changed
    c.inc(channel="telegram")
    assert collector.flush() == 1
    clock.advance(120)  # a later time bucket
    c.inc(4, channel="telegram")
    g.set(2, topic="inbound")
    assert collector.flush() == 2

    assert totals(db) == {
        ("orchestrator", "onebox_replies_total", (("channel", "telegram"),)): 6.0,
        ("orchestrator", "onebox_replies_total", (("channel", "whatsapp"),)): 2.0,
        ("orchestrator", "onebox_queue_depth", (("topic", "inbound"),)): 2.0,
    }
    assert row_count(db) == 5  # 3 rows in the first bucket, 2 in the second
    recent = read_series(db.engine, since=clock() - 60)
    assert {s.labels["channel"]: s.value for s in recent if s.kind == "counter"} == {"telegram": 4}
    assert read_families(db.engine)["onebox_replies_total"] == ("counter", "Replies.")


def test_histograms_keep_bucket_counts_for_quantiles(db: Database, clock: FakeClock) -> None:
    collector = Collector(service="telegram", db=db, clock=clock)
    h = collector.histogram(
        "onebox_reply_latency_seconds", "Latency.", labels=("channel",), buckets=(0.1, 0.5, 1.0)
    )
    for value in [0.05] * 50 + [0.3] * 40 + [0.8] * 9 + [5.0]:
        h.observe(value, channel="telegram")
    collector.flush()
    clock.advance(3600)
    for _ in range(100):
        h.observe(0.3, channel="telegram")
    collector.flush()

    (whole,) = read_series(db.engine)
    assert whole.count == 200
    assert whole.buckets == {0.1: 50, 0.5: 190, 1.0: 199}
    assert whole.value == pytest.approx(0.05 * 50 + 0.3 * 140 + 0.8 * 9 + 5.0)
    assert whole.quantile(0.5) == pytest.approx(0.1 + 0.4 * 50 / 140)
    (last_hour,) = read_series(db.engine, since=clock() - 60)
    assert (last_hour.count, last_hour.buckets) == (100, {0.1: 0, 0.5: 100, 1.0: 100})
    assert 0.1 < (last_hour.quantile(0.95) or 0) <= 0.5


def test_a_restarted_service_adds_to_the_same_bucket(db: Database, clock: FakeClock) -> None:
    for _ in range(2):  # two lives of one service within one minute
        collector = Collector(service="orchestrator", db=db, clock=clock)
        collector.counter("onebox_replies_total", "Replies.").inc(3)
        collector.histogram("onebox_h_seconds", "H.", buckets=(1.0,)).observe(0.5)
        collector.close()
        clock.advance(5)
    by_name = {s.name: s for s in read_series(db.engine)}
    assert by_name["onebox_replies_total"].value == 6
    assert by_name["onebox_h_seconds"].count == 2
    assert by_name["onebox_h_seconds"].buckets == {1.0: 2}
    assert row_count(db) == 2


def test_a_failed_flush_loses_nothing(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "late.db"
    db = Database(f"sqlite:///{path}")  # not migrated yet: the flush must fail
    try:
        collector = Collector(service="orchestrator", db=db, clock=clock)
        counter = collector.counter("onebox_replies_total", "Replies.")
        counter.inc(5)
        with pytest.raises(MetricsStoreError, match="no such table"):
            collector.flush()
        counter.inc(2)
        migrated_sqlite(path)
        assert collector.flush() == 1
        assert list(totals(db).values()) == [7.0]
    finally:
        db.close()


def wait_for_rows(db: Database, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while row_count(db) == 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.anyio
async def test_concurrent_tasks_and_a_graceful_stop_lose_nothing(
    db: Database,
) -> None:
    collector = Collector(service="orchestrator", db=db, flush_every=0.01)
    requests = collector.counter("onebox_requests_total", "Requests.", labels=("worker",))
    latency = collector.histogram("onebox_work_seconds", "Work.", buckets=(0.5,))

    async def worker(n: int) -> None:
        for i in range(3000):
            requests.inc(worker=str(n))
            latency.observe(i % 2)
            if i % 100 == 0:
                await anyio.lowlevel.checkpoint()

    def thread_worker() -> None:
        for _ in range(5000):
            requests.inc(worker="thread")

    async with anyio.create_task_group() as tg:
        tg.start_soon(collector.run)
        thread = threading.Thread(target=thread_worker)
        thread.start()
        async with anyio.create_task_group() as workers:
            for n in range(8):
                workers.start_soon(worker, n)
        await anyio.to_thread.run_sync(thread.join)
        # the periodic flush really runs while the service is up
        assert await anyio.to_thread.run_sync(wait_for_rows, db)
        requests.inc(7, worker="late")  # counted just before the stop: the last flush has it
        collector.stop()

    got = {s.labels.get("worker"): s for s in read_series(db.engine)}
    assert {w: got[w].value for w in map(str, range(8))} == dict.fromkeys(map(str, range(8)), 3000)
    assert got["thread"].value == 5000
    assert got["late"].value == 7
    assert got[None].count == 24_000


def test_stop_from_another_thread_ends_run_with_a_last_flush(db: Database) -> None:
    collector = Collector(service="svc", db=db, flush_every=3600)
    counter = collector.counter("onebox_hits_total", "Hits.")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(collector.run)
            await anyio.lowlevel.checkpoint()
            counter.inc(3)
            await anyio.to_thread.run_sync(collector.stop)  # another thread asks to stop

    anyio.run(main)
    assert list(totals(db).values()) == [3.0]
