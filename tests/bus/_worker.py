"""Processes for the crash and contention tests: run as ``python _worker.py MODE URL ...``.

consume: claims `work` in batches and, for each message, publishes a `results` row and acks
         the message in ONE transaction, forever (the test kills it); an optional PAUSE
         (seconds per message) keeps claims in hand long enough to be killed holding them.
publish: publishes COUNT messages over KEYS keys, alternating single and batched publishes.
"""

from __future__ import annotations

import os
import sys
import time

from onebox_bus import Bus


def consume(url: str, name: str, batch: int, lease: float, pause: float = 0.0) -> None:
    with Bus.from_url(url) as bus:
        while True:
            messages = bus.claim("work", limit=batch, lease=lease, consumer=name)
            if not messages:
                time.sleep(0.005)
                continue
            for message in messages:
                if pause:
                    time.sleep(pause)  # the work a real handler does
                body = message.json()
                with bus.transaction():
                    bus.publish(
                        "results",
                        {"key": message.key, "seq": body["seq"], "id": message.id, "by": name},
                    )
                    bus.ack(message)


def publish(url: str, name: str, count: int, keys: int) -> None:
    with Bus.from_url(url) as bus:
        seq = 0
        while seq < count:
            if seq % 20 < 10:
                bus.publish("work", {"seq": seq}, key=f"{name}:{seq % keys}")
                seq += 1
            else:
                items = [
                    bus.prepare("work", {"seq": s}, key=f"{name}:{s % keys}")
                    for s in range(seq, min(count, seq + 10))
                ]
                bus.publish_many(items)
                seq += len(items)


if __name__ == "__main__":
    mode, url, name = sys.argv[1], sys.argv[2], sys.argv[3]
    print(f"ready {os.getpid()}", flush=True)
    if mode == "consume":
        consume(url, name, int(sys.argv[4]), float(sys.argv[5]), *map(float, sys.argv[6:7]))
    else:
        publish(url, name, int(sys.argv[4]), int(sys.argv[5]))
