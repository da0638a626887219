"""The unit-of-work batcher: shared transactions, savepoint isolation, failures, cancellation."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from onebox_bus import Batcher, Bus, BusUnavailable, LeaseLost
from sqlalchemy.engine import Connection

pytestmark = pytest.mark.anyio


def _drain(bus: Bus, topic: str) -> list[int]:
    seen = []
    while batch := bus.claim(topic, limit=100):
        seen += [m.json()["n"] for m in batch]
        bus.ack_many(batch)
    return sorted(seen)


async def test_units_commit_together_and_a_failing_one_is_undone_alone(bus: Bus) -> None:
    batcher = Batcher(bus.db)

    def unit(n: int, *, fail: bool = False) -> None:
        bus.publish("outbound.telegram", {"n": n}, dedupe_key=f"reply:{n}")
        if fail:
            raise LeaseLost(n)

    results = await asyncio.gather(
        *(batcher.run(lambda _c, n=n: unit(n, fail=n == 3)) for n in range(6)),
        return_exceptions=True,
    )

    assert [type(r).__name__ for r in results] == ["NoneType"] * 3 + ["LeaseLost"] + [
        "NoneType"
    ] * 2
    assert _drain(bus, "outbound.telegram") == [0, 1, 2, 4, 5]
    assert batcher.units == 6
    assert batcher.batches < 6  # concurrent units shared transactions


async def test_a_lone_unit_is_written_at_once_and_returns_its_result(bus: Bus) -> None:
    batcher = Batcher(bus.db)
    result = await batcher.run(lambda _c: bus.publish("outbound.telegram", {"n": 1}))
    assert isinstance(result, int)
    assert bus.stats()["outbound.telegram"].ready == 1
    assert batcher.batches == 1


async def test_publishes_and_units_share_one_batch(bus: Bus) -> None:
    batcher = bus.db.batcher
    outcomes = await asyncio.gather(
        bus.publish_async("inbound", {"n": 1}),
        bus.publish_async("inbound", {"n": 2}),
        batcher.run(lambda _c: bus.publish("inbound", {"n": 3})),
        bus.publish_async("inbound", {"n": 4}),
    )
    assert len(set(outcomes)) == 4
    assert batcher.batches == 1
    assert _drain(bus, "inbound") == [1, 2, 3, 4]


async def test_a_failed_commit_fails_every_caller_of_the_batch(bus: Bus) -> None:
    if bus.kind != "sqlite":
        pytest.skip("a deferred foreign key failing at COMMIT is set up on SQLite")
    batcher = Batcher(bus.db)

    def defer(conn: Connection) -> None:
        # A deferred foreign-key violation: every statement succeeds, the COMMIT fails.
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS child (p INTEGER REFERENCES parent (id))"
        )
        conn.exec_driver_sql("INSERT INTO child (p) VALUES (42)")

    results = await asyncio.gather(
        batcher.run(lambda _c: bus.publish("inbound", {"n": 1})),
        batcher.run(defer),
        batcher.run(lambda _c: bus.publish("inbound", {"n": 2})),
        return_exceptions=True,
    )

    assert all(isinstance(r, Exception) for r in results), results
    assert "inbound" not in bus.stats()  # nothing was committed


async def test_a_caller_cancelled_before_its_unit_started_withdraws_it(bus: Bus) -> None:
    batcher = Batcher(bus.db)
    ran: list[int] = []

    def unit(n: int) -> int:
        ran.append(n)
        return bus.publish("inbound", {"n": n})

    first = asyncio.ensure_future(batcher.run(lambda _c: unit(1)))
    second = asyncio.ensure_future(batcher.run(lambda _c: unit(2)))
    await asyncio.sleep(0)  # both queued; the writer has not taken them yet
    second.cancel()
    assert isinstance(await first, int)
    with pytest.raises(asyncio.CancelledError):
        await second
    assert ran == [1]
    assert _drain(bus, "inbound") == [1]


async def test_a_caller_cancelled_mid_write_is_committed_and_others_are_answered(
    bus: Bus,
) -> None:
    batcher = Batcher(bus.db)
    started = asyncio.Event()
    loop = asyncio.get_running_loop()
    release = time.monotonic() + 0.3

    def slow(_conn: Connection) -> int:
        loop.call_soon_threadsafe(started.set)
        while time.monotonic() < release:  # holds the batch in the transaction a moment
            time.sleep(0.01)
        return bus.publish("inbound", {"n": 1})

    if bus.kind == "sqlite":
        # Make the batch run on a worker thread (the lock is taken when it starts), so the
        # event loop is free to cancel the caller while its unit is being written.
        holder = sqlite3.connect(bus.url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        loop.call_later(0.05, holder.execute, "ROLLBACK")
    cancelled = asyncio.ensure_future(batcher.run(slow))
    await asyncio.wait_for(started.wait(), timeout=10)
    follower = asyncio.ensure_future(batcher.run(lambda _c: bus.publish("inbound", {"n": 2})))
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert isinstance(await asyncio.wait_for(follower, timeout=10), int)
    assert _drain(bus, "inbound") == [1, 2]  # the cancelled caller's unit committed anyway


async def test_a_busy_database_fails_the_batch_with_bus_unavailable(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the file lock is SQLite's")
    with Bus.from_url(db_url, busy_timeout=0.2) as bus:
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(BusUnavailable):
                await bus.db.unit(lambda _c: bus.publish("inbound", {"n": 1}))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
