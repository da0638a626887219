"""Async use of the bus: group-committed publishing and the consumer loop."""

from __future__ import annotations

import asyncio
import threading
import time

import anyio
import pytest
from onebox_bus import Bus, Consumer, Message, PayloadError


@pytest.mark.anyio
async def test_concurrent_publishes_share_commits_and_each_returns_after_its_own(
    db_url: str,
) -> None:
    with Bus.from_url(db_url) as bus:
        ids = await asyncio.gather(
            *(bus.publish_async("inbound", {"i": i}, key=f"k{i % 20}") for i in range(200))
        )
        assert len(set(ids)) == 200
        committer = bus.db.batcher
        assert committer.units == 200
        assert committer.batches < 200, "concurrent publishes were not grouped"
        # Every awaited id is committed: a fresh connection (another bus) sees them all.
        with Bus.from_url(db_url) as reader:
            assert reader.stats()["inbound"].ready == 200


@pytest.mark.anyio
async def test_publish_async_refuses_bad_payload_before_queueing(db_url: str) -> None:
    with Bus.from_url(db_url) as bus:
        with pytest.raises(PayloadError):
            await bus.publish_async("inbound", object())
        assert bus.db._batcher is None
        assert await bus.publish_async("inbound", {"ok": 1}, dedupe_key="x") == (
            await bus.publish_async("inbound", {"ok": 2}, dedupe_key="x")
        )


async def _wait_for(predicate: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await anyio.sleep(0.005)


@pytest.mark.anyio
async def test_consumer_handles_in_per_key_order_with_concurrency(db_url: str) -> None:
    seen: dict[str, list[int]] = {}
    active: set[str] = set()
    overlap: list[str] = []

    with Bus.from_url(db_url) as bus:

        async def handle(message: Message) -> None:
            key = message.key or ""
            if key in active:
                overlap.append(key)
            active.add(key)
            await anyio.sleep(0.001)
            seen.setdefault(key, []).append(message.json()["seq"])
            active.discard(key)
            await anyio.to_thread.run_sync(bus.ack, message)

        for seq in range(60):
            bus.publish("inbound", {"seq": seq}, key=f"chat{seq % 5}")
        consumer = Consumer(bus, "inbound", handle, name="test", concurrency=4)
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer.run)
            await _wait_for(lambda: sum(map(len, seen.values())) == 60)
            consumer.stop()
        assert overlap == []
        for key, seqs in seen.items():
            assert seqs == sorted(seqs), key
        assert bus.stats()["inbound"].done == 60


@pytest.mark.anyio
async def test_consumer_is_woken_by_a_publish_in_the_same_process(db_url: str) -> None:
    got: list[int] = []
    with Bus.from_url(db_url) as bus:

        async def handle(message: Message) -> None:
            got.append(message.id)
            await anyio.to_thread.run_sync(bus.ack, message)

        # A long idle poll: only the wake-up can make it fast.
        consumer = Consumer(bus, "inbound", handle, name="t", min_poll=30.0, max_poll=30.0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer.run)
            await _wait_for(lambda: consumer.running)
            await _wait_for(lambda: consumer.seconds_since_loop() > 0.05)
            id_ = await bus.publish_async("inbound", {"x": 1})
            await _wait_for(lambda: got == [id_], within=5.0)
            consumer.stop()


@pytest.mark.anyio
async def test_handler_error_nacks_and_stop_releases_unfinished_work(db_url: str) -> None:
    release = anyio.Event()
    with Bus.from_url(db_url) as bus:

        async def handle(message: Message) -> None:
            if message.json() == "fail":
                raise RuntimeError("model exploded")
            await release.wait()  # never set: this one is still running at stop

        bus.publish("inbound", "fail", key="a")
        bus.publish("inbound", "slow", key="b")
        consumer = Consumer(bus, "inbound", handle, name="t", concurrency=2, grace=0.2)
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer.run)
            await _wait_for(lambda: consumer.handled >= 1 and consumer.in_flight == 1)
            consumer.stop()
        stats = bus.stats()["inbound"]
        assert stats.claimed == 0
        assert stats.ready == 2  # the failed one waits out its backoff, the slow one released
        [slow] = [m for m in bus.claim("inbound", limit=5) if m.key == "b"]
        assert slow.attempt == 1, "a release must not count as an attempt"


@pytest.mark.anyio
async def test_run_async_runs_inline_when_the_lock_is_free_and_in_a_thread_when_not(
    db_url: str,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL calls always go to a worker thread")
    import sqlite3
    import threading

    from onebox_bus.testing import sqlite_file

    loop_thread = threading.get_ident()
    # synchronous=NORMAL: a commit without fsync may run inline (FULL never writes inline).
    with Bus.from_url(db_url, busy_timeout=5.0, synchronous="NORMAL") as bus:

        def publish() -> int:
            bus.publish("inbound", {"x": 1})
            return threading.get_ident()

        assert await bus.run_async(publish) == loop_thread, "a free lock: done inline"

        holder = sqlite3.connect(sqlite_file(db_url), isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await anyio.sleep(0.01)

        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            timer = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
            timer.start()
            ran_on = await bus.run_async(publish)
            timer.join()
            tg.cancel_scope.cancel()
        assert ran_on != loop_thread, "a taken lock: waited for in a worker thread"
        assert ticks >= 5, "the event loop kept running while the write waited"
        assert bus.stats()["inbound"].ready == 2
        # A plain call on the loop thread still waits for the lock as it always did.
        holder.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(0.1, lambda: holder.execute("ROLLBACK"))
        timer.start()
        bus.publish("inbound", {"x": 3})
        timer.join()
        assert bus.stats()["inbound"].ready == 3


@pytest.mark.anyio
async def test_a_lone_publish_is_durable_rings_and_keeps_its_dedupe(db_url: str) -> None:
    """A publish alone (one statement on PostgreSQL's loop connection) is committed when it
    returns, wakes this process's listeners and another process's doorbell, and a repeat of
    its dedupe key returns the first id without ringing again."""
    with Bus.from_url(db_url) as bus, Bus.from_url(db_url) as other:
        rung = threading.Event()
        assert other.doorbell is not None
        subscription = other.doorbell.subscribe("lone", rung.set)

        def listening() -> bool:
            deadline = time.monotonic() + 10
            while not subscription.up:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
            return True

        assert await anyio.to_thread.run_sync(listening)
        rung.clear()
        heard: list[str] = []
        bus.add_listener(heard.append)
        first = await bus.publish_async("lone", {"n": 1}, key="k", dedupe_key="d1")
        assert heard == ["lone"]
        assert await anyio.to_thread.run_sync(lambda: rung.wait(10))
        [claimed] = other.claim("lone")  # committed: another connection sees it
        assert (claimed.id, claimed.json()) == (first, {"n": 1})
        assert await bus.publish_async("lone", {"n": 2}, dedupe_key="d1") == first
        assert heard == ["lone"]
        assert other.claim("lone") == []
        subscription.close()
