"""Bus throughput and latency beside a raw-sqlite3 queue measured in the same run.

    uv run python bench/bus.py [--messages 20000] [--keep]

Prints msgs/s for: publishing one at a time, batched by 100, and by 200 concurrent asyncio
tasks (group commit); end-to-end with 1 producer process and 2 consumer processes (claim ->
ack, 20,000 messages); and the p99 publish-to-ack latency at a paced 100 msgs/s. Each onebox
figure is printed beside the baseline (a minimal claim/ack queue with a lease written with
plain sqlite3: one transaction per message, and batched by 100) and the ratio. Machines are
noisy: compare ratios, not absolute figures.

``ONEBOX_BUS_DOORBELL=0`` opens the buses without the doorbell (the wake-up of consumers in
other processes, one ``stat`` and a listener call per publishing commit): the database layer
alone, for an A/B against a tree older than the doorbell.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import bench_doorbell, bench_synchronous
from onebox_bus import Bus, Consumer, Message
from onebox_bus.testing import migrated_sqlite
from onebox_service.runner import settle_heap

SYNCHRONOUS = bench_synchronous()
DOORBELL = bench_doorbell()

BATCH = 100
KEYS = 100

# -- the raw sqlite3 baseline: the least a claim/ack queue with a lease can do ------------------

RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS q (id INTEGER PRIMARY KEY, payload BLOB NOT NULL,
    state INTEGER NOT NULL DEFAULT 0, visible_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS q_ready ON q (state, visible_at, id);
"""
RAW_CLAIM = """UPDATE q SET state = 1, visible_at = ? WHERE id IN
    (SELECT id FROM q WHERE state = 0 AND visible_at <= ? ORDER BY id LIMIT ?)
    RETURNING id, payload"""


def raw_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    conn.executescript(RAW_SCHEMA)
    return conn


def raw_publish(conn: sqlite3.Connection, n: int, batch: int) -> None:
    payload = b'{"text": "hello, do you ship to Lisbon?"}'
    for start in range(0, n, batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO q (payload, visible_at) VALUES (?, ?)",
            [(payload, time.time())] * min(batch, n - start),
        )
        conn.execute("COMMIT")


def raw_consume(conn: sqlite3.Connection, total: int, batch: int) -> int:
    done = 0
    while True:
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(RAW_CLAIM, (now + 30, now, batch)).fetchall()
        conn.execute("COMMIT")
        if not rows:
            (left,) = conn.execute("SELECT COUNT(*) FROM q WHERE state < 2").fetchone()
            if left == 0 and conn.execute("SELECT COUNT(*) FROM q").fetchone()[0] >= total:
                return done
            time.sleep(0.001)
            continue
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("UPDATE q SET state = 2 WHERE id = ?", [(r[0],) for r in rows])
        conn.execute("COMMIT")
        done += len(rows)


# -- onebox ---------------------------------------------------------------------------------------


def bus_publish(bus: Bus, n: int, batch: int) -> None:
    payload = {"text": "hello, do you ship to Lisbon?"}
    if batch == 1:
        for i in range(n):
            bus.publish("bench", payload, key=f"k{i % KEYS}")
        return
    for start in range(0, n, batch):
        bus.publish_many(
            [
                bus.prepare("bench", payload, key=f"k{i % KEYS}")
                for i in range(start, min(n, start + batch))
            ]
        )


def bus_consume(bus: Bus, total: int, batch: int) -> int:
    done = 0
    while True:
        messages = bus.claim("bench", limit=batch, lease=30)
        if not messages:
            stats = bus.stats().get("bench")
            if stats and stats.ready == 0 and stats.claimed == 0 and stats.done >= total:
                return done
            time.sleep(0.001)
            continue
        if batch == 1:
            for m in messages:
                bus.ack(m)
        else:
            bus.ack_many(messages)
        done += len(messages)


async def group_commit(bus: Bus, n: int, tasks: int) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            await bus.publish_async("bench", {"i": i}, key=f"k{i % KEYS}")

    await asyncio.gather(*(worker() for _ in range(tasks)))


async def paced_latency(bus: Bus, n: int, rate: float, hops: list[float]) -> list[float]:
    sent: dict[int, float] = {}
    latencies: list[float] = []
    all_acked = asyncio.Event()

    async def handle(message: Message) -> None:
        await bus.run_async(lambda: bus.ack(message))
        latencies.append(time.perf_counter() - sent[message.json()["i"]])
        if len(latencies) == n:
            all_acked.set()

    consumer = Consumer(bus, "paced", handle, name="bench", concurrency=4)
    # What one hop to a worker thread costs on this machine, paced the same way: the
    # latency floor of any path that keeps blocking SQLite calls off the event loop.
    for _ in range(200):
        await asyncio.sleep(1 / rate)
        t0 = time.perf_counter()
        await asyncio.to_thread(lambda: None)
        hops.append(time.perf_counter() - t0)
    task = asyncio.create_task(consumer.run())
    start = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent[i] = time.perf_counter()
        await bus.publish_async("paced", {"i": i}, key=f"k{i % KEYS}")
    await all_acked.wait()
    consumer.stop()
    await task
    return latencies


# -- processes for the end-to-end runs -------------------------------------------------------


def child(role: str, kind: str, path: str, n: int, batch: int) -> None:
    # Connect first, then report ready and wait for the start signal: the measured time is
    # the queue's, not the interpreter's start-up.
    if kind == "raw":
        conn = raw_connect(path)
        _ready()
        if role == "produce":
            raw_publish(conn, n, batch)
        else:
            raw_consume(conn, n, batch)
        return
    with Bus.from_url(
        f"sqlite:///{path}", busy_timeout=30, synchronous=SYNCHRONOUS, doorbell=DOORBELL
    ) as bus:
        _ready()
        if role == "produce":
            bus_publish(bus, n, batch)
        else:
            bus_consume(bus, n, batch)


def _ready() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def end_to_end(kind: str, path: str, n: int, batch: int) -> float:
    cmd = [sys.executable, __file__, "--child"]
    args = [kind, path, str(n), str(batch)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    procs = [subprocess.Popen([*cmd, "consume", *args], **pipes) for _ in range(2)]
    procs.append(subprocess.Popen([*cmd, "produce", *args], **pipes))
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.readline()
    start = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.close()
    for proc in procs:
        proc.wait()
        if proc.returncode:
            raise SystemExit(f"{kind} {proc.args} failed")
        if proc.stdout is not None:
            proc.stdout.close()
    return n / (time.perf_counter() - start)


def rate(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def line(label: str, ours: float, base: float, base_label: str) -> None:
    print(
        f"{label:<44} {ours:>10,.0f} msgs/s   {base_label:<26} {base:>10,.0f} msgs/s"
        f"   ratio {ours / base:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=5_000, help="messages for 1-at-a-time runs")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        role, kind, path, n, batch = args.child
        child(role, kind, path, int(n), int(batch))
        return

    n, single = args.messages, args.single
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.db"
        migrated_sqlite(template)
        # The migrations import every package (the router's tables among them): that heap is
        # moved out of the collector's sight, as each service does once serving
        # (`settle_heap`), so a full collection inside a timed run walks
        # only what the run made, not whatever the packages' imports left behind.
        settle_heap()

        def fresh_bus(name: str) -> Bus:
            return Bus.from_url(
                migrated_sqlite(folder / f"{name}.db", template=template),
                synchronous=SYNCHRONOUS,
                doorbell=DOORBELL,
            )

        def fresh_raw(name: str) -> sqlite3.Connection:
            return raw_connect(str(folder / f"{name}.db"))

        print(f"sqlite {sqlite3.sqlite_version}, {n:,} messages ({single:,} for one-at-a-time)\n")
        print("publish")
        raw1 = rate(lambda: raw_publish(fresh_raw("r1"), single, 1), single)
        rawb = rate(lambda: raw_publish(fresh_raw("rb"), n, BATCH), n)
        with fresh_bus("b1") as bus:
            ours1 = rate(lambda: bus_publish(bus, single, 1), single)
        with fresh_bus("bb") as bus:
            oursb = rate(lambda: bus_publish(bus, n, BATCH), n)
        with fresh_bus("gc") as bus:
            oursg = rate(lambda: asyncio.run(group_commit(bus, n, 200)), n)
            batches = bus.db._batcher.batches if bus.db._batcher else 0
        line("  one at a time", ours1, raw1, "raw, one per transaction")
        line(f"  batched by {BATCH}", oursb, rawb, f"raw, batched by {BATCH}")
        line("  group commit, 200 asyncio tasks", oursg, raw1, "raw, one per transaction")
        print(f"    ({batches:,} commits for {n:,} publishes)")

        print("\nend to end: 1 producer process, 2 consumer processes, claim -> ack")
        e2e_raw1 = end_to_end("raw", str(folder / "e2e-r1.db"), single, 1)
        e2e_rawb = end_to_end("raw", str(folder / "e2e-rb.db"), n, BATCH)
        migrated_sqlite(folder / "e2e-b1.db", template=template)
        migrated_sqlite(folder / "e2e-bb.db", template=template)
        e2e_ours1 = end_to_end("bus", str(folder / "e2e-b1.db"), single, 1)
        e2e_oursb = end_to_end("bus", str(folder / "e2e-bb.db"), n, BATCH)
        line("  one at a time", e2e_ours1, e2e_raw1, "raw, one per transaction")
        line(
            f"  batched by {BATCH} (per-key FIFO, {KEYS} keys)",
            e2e_oursb,
            e2e_rawb,
            f"raw, batched by {BATCH}",
        )

        print("\nlatency: publish -> ack at a paced 100 msgs/s (in-process consumer)")
        hops: list[float] = []
        with fresh_bus("lat") as bus:
            lat = sorted(asyncio.run(paced_latency(bus, 500, 100.0, hops)))
        hops.sort()
        for label, values in (("publish -> ack", lat), ("baseline: one empty thread hop", hops)):
            p50, p99 = statistics.median(values), values[int(len(values) * 0.99) - 1]
            print(
                f"  {label:<32} p50 {p50 * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms"
                f"   max {values[-1] * 1000:6.2f} ms"
            )


if __name__ == "__main__":
    main()
