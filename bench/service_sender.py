"""Sender throughput: replies/s through the kit's Sender (sandbox channel, delivery records)
beside a bare bus consumer that only acks, on the same SQLite file setup, in the same run.

    uv run python bench/service_sender.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import anyio.to_thread
from onebox_bus import Bus, Consumer, Database, Message
from onebox_bus.contracts import OutboundMessage, outbound_topic
from onebox_bus.testing import migrated_sqlite
from onebox_metrics import Collector
from onebox_service import DeliveryStore, PacingLimits, SandboxChannel, Sender, configure_logging


def fill(bus: Bus, topic: str, n: int) -> None:
    items = [
        bus.prepare(
            topic,
            OutboundMessage(
                channel="bench", conversation_id=str(i % 50), text="hello", correlation_id=f"c{i}"
            ).to_payload(),
            key=f"bench:{i % 50}",
        )
        for i in range(n)
    ]
    bus.publish_many(items)


async def drain(worker: Consumer | Sender, bus: Bus, topic: str, n: int) -> float:
    start = time.perf_counter()
    task = asyncio.create_task(worker.run())
    while bus.stats()[topic].done < n:  # noqa: ASYNC110 - polling the database is the point
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    worker.stop()
    await task
    return n / elapsed


async def main(n: int) -> None:
    configure_logging(json=True, level="warning")
    folder = Path(tempfile.mkdtemp(prefix="onebox-bench-"))
    url = migrated_sqlite(folder / "onebox.db")
    bus = Bus.from_url(url)
    db = Database(url)

    async def ack_only(message: Message) -> None:
        await anyio.to_thread.run_sync(lambda: bus.ack(message))

    fill(bus, "bare", n)
    bare = await drain(Consumer(bus, "bare", ack_only, name="bare", concurrency=8), bus, "bare", n)

    topic = outbound_topic("bench")
    fill(bus, topic, n)
    sender = Sender(
        bus=bus,
        channel=SandboxChannel("bench"),
        deliveries=DeliveryStore(db),
        collector=Collector(service="bench", db=None),
        limits=PacingLimits(per_key_interval=None),
        concurrency=8,
    )
    paced = await drain(sender, bus, topic, n)
    print(f"bare consumer (claim + ack)          {bare:8.0f} msg/s   baseline")
    print(f"Sender (sandbox send + record + ack) {paced:8.0f} msg/s   ratio {paced / bare:.2f}")
    bus.close()
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    asyncio.run(main(parser.parse_args().messages))
