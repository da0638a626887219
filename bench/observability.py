"""What observability costs per message, beside the cost of handling the message, same run.

    uv run python bench/observability.py [--messages 2000]

Handling one message (the baseline) is the bus work of its whole journey on a real SQLite file:
publish the inbound message, claim it, publish the reply and ack in one transaction, claim the
reply, record the delivery, ack. Observability adds, per message:

- message events: the seven ``MessageJournal.record`` calls of its journey, plus its share of
  the batched flush into ``service_events`` (transactions of 1,000 rows; its CPU time);
- runtime metrics: its share of the vitals loop at the measured message rate (a process
  sample every 10 s, an event-loop lag probe every 0.25 s), the lock-wait hook's own work on
  every write transaction, and the GC callback on the collections the message's garbage causes.

Target: under 5 % of the handling cost.
"""

from __future__ import annotations

import argparse
import gc
import logging
import tempfile
import time
import timeit
from pathlib import Path

import structlog
from onebox_bus import Bus, Database
from onebox_bus.testing import migrated_sqlite
from onebox_metrics import Collector
from onebox_service import DeliveryReceipt, DeliveryStore, MessageJournal, RuntimeVitals

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

STEPS = ("webhook.received", "published", "claimed", "routed", "reply.published",
         "reply.claimed", "sent")  # fmt: skip


def handle(bus: Bus, deliveries: DeliveryStore, n: int) -> None:
    """The bus work of one message's journey (baseline)."""
    cid = f"corr-{n}"
    bus.publish("inbound", b'{"text": "hello"}', key=f"k{n}", correlation_id=cid)
    (inbound,) = bus.claim("inbound", limit=1)
    with bus.transaction():
        bus.publish("outbound.telegram", b'{"text": "hi"}', key=f"k{n}", correlation_id=cid)
        bus.ack(inbound)
    (outbound,) = bus.claim("outbound.telegram", limit=1)
    deliveries.record_sent(
        channel="telegram", conversation_id=f"k{n}", correlation_id=cid,
        receipt=DeliveryReceipt(platform_message_ids=(f"m{n}",)), bus_message_id=outbound.id,
    )  # fmt: skip
    bus.ack(outbound)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    n = args.messages
    with tempfile.TemporaryDirectory() as tmp:
        url = migrated_sqlite(Path(tmp) / "onebox.db")
        db = Database(url)
        collector = Collector("bench", db)
        vitals = RuntimeVitals(collector)
        bus = Bus.from_url(url, on_lock_wait=vitals.lock_wait)
        plain_bus = Bus.from_url(url)
        deliveries = DeliveryStore(db)
        journal = MessageJournal("bench", db)

        for i in range(200):  # warm up both
            handle(plain_bus, deliveries, -i - 1)
        # alternate batches so disk and cache drift hit both sides alike
        plain_s = hooked_s = 0.0
        batch = 50
        for start in range(0, n, batch):
            began = time.perf_counter()
            for i in range(start, start + batch):
                handle(plain_bus, deliveries, i)
            plain_s += time.perf_counter() - began
            vitals.install()
            began = time.perf_counter()
            for i in range(start, start + batch):
                handle(bus, deliveries, n + i)
            hooked_s += time.perf_counter() - began
            vitals.uninstall()
        handling, hooked = plain_s / n, hooked_s / n

        began = time.perf_counter()
        for i in range(n):
            for step in STEPS:
                journal.record(f"corr-{i}", step, provider="groq", latency_ms=12.5)
        recording = (time.perf_counter() - began) / n
        # CPU time: the flush pauses between its 1,000-row transactions (letting other writers
        # in, on a background thread), and a pause costs no message anything.
        began = time.thread_time()
        written = journal.flush()
        flushing = (time.thread_time() - began) / n
        assert written == n * len(STEPS)

        samples = 200
        began = time.perf_counter()
        for _ in range(samples):
            vitals.sample()
        sample_cost = (time.perf_counter() - began) / samples
        rate = 1.0 / handling  # messages per second at full speed
        loop_share = (sample_cost / 10.0 + 4 * 2e-5) / rate  # 4 lag probes/s at ~20 us each

        gc.collect()
        began = time.perf_counter()
        for _ in range(2000):
            gc.collect(0)
        bare_gc = (time.perf_counter() - began) / 2000
        vitals.install()
        began = time.perf_counter()
        for _ in range(2000):
            gc.collect(0)
        hooked_gc = (time.perf_counter() - began) / 2000
        vitals.uninstall()
        gc_share = (
            max(0.0, hooked_gc - bare_gc) * gc.get_stats()[0]["collections"] / max(1, 3 * n + 200)
        )

        events = recording + flushing
        # the hook's own work per write transaction (five per journey): two clock reads and a
        # comparison; the end-to-end difference above is dominated by fsync noise
        probe = "t = m(); w = m() - t; w >= 0.001"
        per_txn = min(timeit.repeat(probe, globals={"m": time.monotonic}, number=100_000,
                                    repeat=5)) / 100_000  # fmt: skip
        hook = 5 * per_txn
        runtime = hook + loop_share + gc_share
        print(f"messages: {n} (SQLite WAL, one process, {rate:,.0f} journeys/s)")
        print(f"{'handling one message (baseline)':<46} {handling * 1e6:9.1f} us")
        print(f"{'message events (7 records + batched flush)':<46} {events * 1e6:9.1f} us"
              f"   ratio {events / handling * 100:5.2f} %")  # fmt: skip
        print(f"{'  of which recording / flush':<46} {recording * 1e6:9.1f} / "
              f"{flushing * 1e6:.1f} us")  # fmt: skip
        print(f"{'runtime metrics (hooks + sampling share)':<46} {runtime * 1e6:9.1f} us"
              f"   ratio {runtime / handling * 100:5.2f} %")  # fmt: skip
        print(f"{'  lock hook per journey / sample() / gc hook':<46} "
              f"{hook * 1e6:.2f} us / {sample_cost * 1e6:.0f} us each / "
              f"{(hooked_gc - bare_gc) * 1e6:+.2f} us per collection")  # fmt: skip
        print(f"{'  journey with hooks on, end to end (noisy)':<46} {hooked * 1e6:9.1f} us"
              f"   vs {handling * 1e6:.1f} us without")  # fmt: skip
        total = events + runtime
        print(f"{'total observability':<46} {total * 1e6:9.1f} us"
              f"   ratio {total / handling * 100:5.2f} %  (target < 5 %)")  # fmt: skip
        bus.close()
        plain_bus.close()
        db.close()


if __name__ == "__main__":
    main()
