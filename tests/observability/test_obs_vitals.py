"""Runtime vitals move for real reasons: a collection, a held lock, headers, a blocked loop."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import httpx
import pytest
from onebox_bus import Bus, BusUnavailable
from onebox_metrics import Collector
from onebox_router import RouterSettings, build_router
from onebox_router.testing import FakeOpenAIServer, conversation
from onebox_service import RuntimeVitals

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def value(collector: Collector, name: str, **labels: str) -> float:
    family = next(f for f in collector.families() if f.name == name)
    key = tuple(labels[n] for n in family.labelnames)
    return family.snapshot().get(key, [0.0])[0]


def count(collector: Collector, name: str, **labels: str) -> float:
    """A histogram's number of observations."""
    family = next(f for f in collector.families() if f.name == name)
    key = tuple(labels[n] for n in family.labelnames)
    cell = family.snapshot().get(key)
    return 0.0 if cell is None else family.cumulative(cell)[1]  # type: ignore[attr-defined]


def hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def finish(proc: subprocess.Popen[str]) -> None:
    proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


def test_forced_collection_shows_a_pause() -> None:
    collector = Collector("test")
    vitals = RuntimeVitals(collector)
    vitals.install()
    try:
        before = count(collector, "onebox_gc_pause_seconds", generation="2")
        garbage = [[i] for i in range(50_000)]
        del garbage
        gc.collect()
    finally:
        vitals.uninstall()
    assert count(collector, "onebox_gc_pause_seconds", generation="2") >= before + 1
    assert value(collector, "onebox_gc_collections_total", generation="2") >= 1
    vitals.sample()
    assert value(collector, "onebox_gc_pause_max_seconds") > 0
    assert b'onebox_gc_pause_seconds_count{generation="2"}' in collector.render()


def test_a_second_process_holding_the_lock_shows_waits_then_a_timeout(
    obs_db: Path, obs_url: str
) -> None:
    collector = Collector("test")
    vitals = RuntimeVitals(collector)
    bus = Bus.from_url(obs_url, busy_timeout=3.0, on_lock_wait=vitals.lock_wait)
    try:
        holder = hold_lock(obs_db, 0.4)
        bus.publish("inbound", b"{}")  # waits for the holder to let go
        finish(holder)
        assert value(collector, "onebox_sqlite_lock_waits_total") == 1
        assert value(collector, "onebox_sqlite_busy_timeouts_total") == 0
        assert count(collector, "onebox_sqlite_lock_wait_seconds") == 1
        vitals.sample()
        assert value(collector, "onebox_sqlite_lock_wait_max_seconds") >= 0.2

        short = Bus.from_url(obs_url, busy_timeout=0.3, on_lock_wait=vitals.lock_wait)
        holder = hold_lock(obs_db, 2.0)
        with pytest.raises(BusUnavailable):
            short.publish("inbound", b"{}")
        finish(holder)
        short.close()
        assert value(collector, "onebox_sqlite_busy_timeouts_total") == 1
        assert value(collector, "onebox_sqlite_lock_waits_total") == 2
    finally:
        bus.close()


def test_uncontended_writes_report_no_wait(obs_url: str) -> None:
    waits: list[tuple[float, bool]] = []
    with Bus.from_url(obs_url, on_lock_wait=lambda s, t: waits.append((s, t))) as bus:
        for _ in range(20):
            bus.publish("inbound", b"{}")
    assert all(seconds < 0.5 and not timed_out for seconds, timed_out in waits)
    assert len(waits) < 20


def test_process_figures_follow_the_process(tmp_path: Path) -> None:
    collector = Collector("test")
    vitals = RuntimeVitals(collector)
    vitals.sample()
    fds = value(collector, "onebox_process_open_fds")
    cpu = value(collector, "onebox_process_cpu_seconds_total")
    voluntary = value(collector, "onebox_process_context_switches_total", kind="voluntary")
    files = [(tmp_path / f"f{i}").open("w") for i in range(40)]
    try:
        end = time.process_time() + 0.2
        while time.process_time() < end:
            pass
        for _ in range(5):
            time.sleep(0.001)  # each sleep gives the core up: a voluntary switch
        vitals.sample()
    finally:
        for f in files:
            f.close()
    assert value(collector, "onebox_process_open_fds") >= fds + 40
    assert value(collector, "onebox_process_cpu_seconds_total") >= cpu + 0.15
    assert value(collector, "onebox_process_context_switches_total", kind="voluntary") > voluntary
    assert value(collector, "onebox_process_resident_memory_bytes") > 10 * 1024 * 1024
    assert value(collector, "onebox_process_max_fds") > 40


@pytest.mark.anyio
async def test_a_blocked_event_loop_shows_lag() -> None:
    collector = Collector("test")
    vitals = RuntimeVitals(collector, lag_interval=0.02, sample_every=60.0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(vitals.run)
        deadline = time.monotonic() + 10
        while count(collector, "onebox_event_loop_lag_seconds") < 3:
            assert time.monotonic() < deadline
            await anyio.sleep(0.01)
        asyncio.get_running_loop().call_soon(time.sleep, 0.3)  # blocks the loop itself
        await anyio.sleep(0.1)
        vitals.stop()
    # the final sample moved the worst lag of the window into the gauge
    assert value(collector, "onebox_event_loop_lag_max_seconds") >= 0.2
    family = next(f for f in collector.families() if f.name == "onebox_event_loop_lag_seconds")
    buckets, _ = family.cumulative(family.snapshot()[()])  # type: ignore[attr-defined]
    assert buckets["0.1"] < count(collector, "onebox_event_loop_lag_seconds")


@pytest.mark.anyio
async def test_provider_rate_limit_headers_show_in_the_quota_gauge(tmp_path: Path) -> None:
    collector = Collector("test")
    vitals = RuntimeVitals(collector)
    routing = tmp_path / "routing.toml"
    routing.write_text(
        "[providers.groq]\nrequests_per_minute = 30\ntokens_per_minute = 6000\n"
        "monthly_budget_usd = 5\n",
        encoding="utf-8",
    )
    with FakeOpenAIServer(flavour="groq") as groq:
        async with httpx.AsyncClient() as http:
            settings = RouterSettings(
                groq_api_key=groq.api_key, groq_base_url=groq.url, routing_file=routing
            )
            router = build_router(settings, http=http, db=None)
            vitals.watch_providers(lambda: router.states)
            reply = await router.route(conversation("hello there"), deadline=time.time() + 10)
            assert reply.provider == "groq"
            vitals.sample()
            ratio = value(
                collector, "onebox_provider_quota_left_ratio", provider="groq", kind="requests"
            )
            assert 0.9 < ratio < 1.0  # one of 30 requests used
            assert value(collector, "onebox_provider_budget_left_ratio", provider="groq") > 0.99
            assert value(collector, "onebox_provider_breaker_state", provider="groq") == 0
            groq.remaining_requests = 0  # the provider's headers: no requests left this window
            await router.route(conversation("and again, please"), deadline=time.time() + 10)
            vitals.sample()
            await router.aclose()
    assert value(collector, "onebox_provider_quota_left", provider="groq", kind="requests") == 0
    assert value(collector, "onebox_provider_quota_left_ratio", provider="groq", kind="tokens") == 0
    assert b'onebox_provider_quota_left_ratio{kind="requests",provider="groq"} 0.0' in (
        collector.render()
    )


def test_a_collection_while_the_pause_family_is_locked_does_not_deadlock() -> None:
    # A collection can start inside any allocation, e.g. while rendering /metrics copies the
    # pause histogram's cells under its lock: the callback must not wait for that lock.
    collector = Collector("test")
    vitals = RuntimeVitals(collector)
    vitals.install()
    finished = threading.Event()

    def collect_under_the_lock() -> None:
        with vitals.gc_pause._lock:
            gc.collect()
        finished.set()

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    try:
        worker.start()
        assert finished.wait(timeout=10), "the GC callback waited for the family's lock"
    finally:
        vitals.uninstall()
    assert count(collector, "onebox_gc_pause_seconds", generation="2") >= 1
