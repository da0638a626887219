"""Processes for the doorbell tests: run as ``python _doorbell_worker.py MODE URL TOPIC ...``.

consume URL TOPIC POLL: a `Consumer` whose poll period is POLL seconds from the start (so
    polling alone answers only after POLL); prints ``ready up=1`` (or ``up=0`` when its
    doorbell is down) once it has claimed once, then ``got SEQ`` per message, until killed.
publish URL TOPIC COUNT: publishes COUNT messages, one transaction each, prints ``published``.
"""

from __future__ import annotations

import asyncio
import sys
import time

from onebox_bus import Bus, Consumer, Message


class CountingConsumer(Consumer):
    """A consumer that counts its claims, so the process can say when it is idle."""

    claims = 0

    async def _claim(self, limit: int) -> list[Message]:
        out = await super()._claim(limit)
        self.claims += 1
        return out


def _ready(consumer: CountingConsumer, deadline: float) -> bool:
    return consumer.claims >= 1 and (consumer.doorbell_up or time.monotonic() > deadline)


async def consume(url: str, topic: str, poll: float) -> None:
    async def handle(message: Message) -> None:
        print(f"got {message.json()['seq']}", flush=True)
        await bus.run_async(lambda: bus.ack(message))

    with Bus.from_url(url) as bus:
        consumer = CountingConsumer(
            bus, topic, handle, name="doorbell-test", min_poll=poll, max_poll=poll
        )
        task = asyncio.create_task(consumer.run())
        # PostgreSQL's listener connects in a thread: give it a few seconds to come up.
        deadline = time.monotonic() + 5.0
        for _ in range(100_000):
            if _ready(consumer, deadline):
                break
            await asyncio.sleep(0.005)
        print(f"ready up={int(consumer.doorbell_up)}", flush=True)
        await task


def publish(url: str, topic: str, count: int) -> None:
    with Bus.from_url(url) as bus:
        for seq in range(count):
            bus.publish(topic, {"seq": seq})
    print("published", flush=True)


if __name__ == "__main__":
    mode, url, topic = sys.argv[1:4]
    if mode == "consume":
        asyncio.run(consume(url, topic, float(sys.argv[4])))
    else:
        publish(url, topic, int(sys.argv[4]))
