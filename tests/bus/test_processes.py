"""Real processes on one SQLite file: consumers SIGKILLed mid-batch, and heavy contention.

These prove what unit tests cannot: that a crash loses nothing and duplicates nothing, that
per-key order survives redelivery, and that concurrent writers never see "database is locked".
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.testing import migrated_sqlite
from sqlalchemy import text

WORKER = str(Path(__file__).with_name("_worker.py"))
_HOLDERS = "SELECT DISTINCT claimed_by FROM bus_messages WHERE topic = 'work' AND state = 'claimed'"

pytestmark = pytest.mark.slow


def _spawn(*args: str, wait_ready: bool = True) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    if wait_ready:
        assert proc.stdout.readline().startswith(b"ready")
    return proc


def _kill(proc: subprocess.Popen[bytes]) -> str:
    """SIGKILL a worker we started (by its PID), reap it, and return what it printed."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    out = proc.communicate()[0]
    return out.decode(errors="replace")


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _results(bus: Bus) -> list[dict[str, object]]:
    out = []
    while batch := bus.claim("results", limit=1000, lease=3600):
        out.extend(m.json() for m in batch)
        bus.ack_many(batch)
    return out


def _check_exactly_once_in_order(results: list[dict[str, object]], expected: int) -> None:
    seen_ids = [r["id"] for r in results]
    assert len(seen_ids) == expected, f"{len(seen_ids)} results for {expected} messages"
    assert len(set(seen_ids)) == expected, "a message was completed twice"
    per_key: dict[object, list[int]] = defaultdict(list)
    for r in results:  # results are claimed in publish (id) order
        per_key[r["key"]].append(int(r["seq"]))  # type: ignore[call-overload]
    for key, seqs in per_key.items():
        assert seqs == sorted(seqs), f"key {key} completed out of order"


def test_sigkilled_consumers_lose_nothing_and_keep_per_key_order(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db")
    chunks, chunk, keys = 6, 500, 40
    total = chunks * chunk
    rng = random.Random(7)
    names = [f"c{i}" for i in range(3)]
    work = ("25", "1.5", "0.002")  # batch, lease, seconds per message: claims stay in hand
    consumers = [_spawn("consume", url, name, *work) for name in names]
    kills_mid_batch = 0
    try:
        with Bus.from_url(url) as bus:
            for n in range(chunks):
                bus.publish_many(
                    [
                        bus.prepare("work", {"seq": s}, key=f"chat:{s % keys}")
                        for s in range(n * chunk, (n + 1) * chunk)
                    ]
                )
                target = n * chunk + rng.randint(30, 200)
                _wait(lambda t=target: bus.stats()["work"].done >= t, 60, "progress")
                # the victim is one that holds claims now (SIGKILL mid-batch), if any does
                holders = {row[0] for row in bus.db.connection().execute(text(_HOLDERS)).all()}
                victim = rng.choice(
                    [i for i, name in enumerate(names) if name in holders]
                    or list(range(len(names)))
                )
                _kill(consumers[victim])
                kills_mid_batch += names[victim] in holders
                names[victim] = f"c{victim}-{n}"
                consumers[victim] = _spawn("consume", url, names[victim], *work, wait_ready=False)
            _wait(lambda: bus.stats()["work"].done == total, 120, "every message done")
            stats = bus.stats()["work"]
            assert (stats.ready, stats.claimed, stats.dead) == (0, 0, 0)
            assert kills_mid_batch >= 3, "consumers must be killed while holding claims"
            _check_exactly_once_in_order(_results(bus), total)
    finally:
        for proc in consumers:
            _kill(proc)


def test_four_publishers_two_consumers_no_lock_errors_nothing_lost(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db")
    per_publisher, keys = 1000, 25
    consumers = [_spawn("consume", url, f"c{i}", "50", "30") for i in range(2)]
    publishers = [_spawn("publish", url, f"p{i}", str(per_publisher), str(keys)) for i in range(4)]
    try:
        for proc in publishers:
            out = proc.communicate(timeout=180)[0].decode(errors="replace")
            assert proc.returncode == 0, out[-2000:]
            assert "locked" not in out
        with Bus.from_url(url) as bus:
            _wait(lambda: bus.stats()["work"].done == 4 * per_publisher, 120, "all consumed")
            for proc in consumers:
                assert proc.poll() is None, "a consumer died: " + _kill(proc)[-2000:]
            _check_exactly_once_in_order(_results(bus), 4 * per_publisher)
    finally:
        for proc in consumers + publishers:
            _kill(proc)
