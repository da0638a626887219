"""End-to-end throughput and latency of the whole stack, beside the bus's own claim/ack rate.

    uv run python bench/e2e.py [--messages 1500] [--conversations 200] [--paced-seconds 10]

Runs ``onebox up`` (three services + metrics exporter, real processes) in a temporary folder
against a fake WhatsApp Graph API and an instant fake Groq on loopback, then measures:

1. cache-hit workload: customers ask from a small set of questions (the router's cache
   answers), as fast as the webhooks are accepted;
2. instant-model workload: every question is new, the fake model answers at once;
3. paced: 200 messages/s for a while, p50/p99 end-to-end latency;

end to end = webhook POST sent -> the reply's request received by the fake platform. It
prints each service's peak RSS, and the bus's claim+ack rate on a fresh SQLite file measured
in the same run as the baseline. WhatsApp carries the load: its pacing is configurable, while
Telegram's sender holds Telegram's own limit (30 messages/s per bot) whatever the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Publish
from onebox_bus.testing import make_test_bus
from onebox_router.testing import FakeOpenAIServer

BIN = Path(sys.executable).parent
QUESTIONS = [
    "What are your opening hours?",
    "Do you ship internationally?",
    "How much does shipping cost?",
    "Where is your shop located?",
    "How long does delivery take?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bus_claim_ack_rate(folder: Path, n: int = 5000) -> float:
    """Messages/s one consumer claims and acks (batches of 10) on a fresh SQLite bus."""
    with make_test_bus(folder / "bus-bench.db") as bus:
        for start in range(0, n, 500):
            bus.publish_many(
                [
                    Publish(topic="bench", payload=orjson.dumps({"i": i}), key=f"k{i % 200}")
                    for i in range(start, min(n, start + 500))
                ]
            )
        t0 = time.perf_counter()
        done = 0
        while done < n:
            batch = bus.claim("bench", limit=10, consumer="bench")
            if not batch:
                continue
            bus.ack_many(batch)
            done += len(batch)
        return n / (time.perf_counter() - t0)


class Stack:
    def __init__(self, folder: Path, graph: wa.FakeGraphApi, groq: FakeOpenAIServer) -> None:
        self.folder = folder
        self.ports = {n: free_port() for n in ("telegram", "whatsapp", "orchestrator")}
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
        env.update(
            {
                "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
                "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
                "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
                "ONEBOX_WHATSAPP_API_URL": graph.url,
                "ONEBOX_WHATSAPP_MAX_PER_SECOND": "100000",
                "ONEBOX_WHATSAPP_RECIPIENT_INTERVAL_SECONDS": "0",
                "ONEBOX_WHATSAPP_MARK_READ": "false",
                "ONEBOX_GROQ_API_KEY": groq.api_key,
                "ONEBOX_GROQ_BASE_URL": groq.url,
                "ONEBOX_MAX_CONCURRENCY": "64",
                "ONEBOX_IDLE_POLL_SECONDS": "0.05",
                "ONEBOX_LOG_LEVEL": "warning",
            }
        )
        argv = [str(BIN / "onebox"), "up", "--health-timeout", "120"]
        for name, port in self.ports.items():
            argv += ["--port", f"{name}={port}"]
        self.log = (folder / "up.log").open("wb")
        self.proc = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 150
        while b"onebox is up" not in (folder / "up.log").read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    "onebox up did not start:\n" + (folder / "up.log").read_text()[-3000:]
                )
            time.sleep(0.2)

    def pids(self) -> dict[str, int]:
        state = orjson.loads((self.folder / "var" / "onebox-up.json").read_bytes())
        return {n: int(s["pid"]) for n, s in state["services"].items()}

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_load(
    url: str,
    graph: wa.FakeGraphApi,
    *,
    messages: int,
    conversations: int,
    texts: list[str] | None,
    rate: float | None,
) -> tuple[float, list[float]]:
    """Post `messages` webhooks; returns (seconds to the last reply, end-to-end latencies)."""
    base = len(graph.texts())
    sent: dict[str, list[float]] = {}
    senders = [f"1666{n:07d}" for n in range(conversations)]
    limit = asyncio.Semaphore(64)
    t0 = time.monotonic()

    async def one(http: httpx.AsyncClient, k: int) -> None:
        if rate is not None:
            await asyncio.sleep(max(0.0, t0 + k / rate - time.monotonic()))
        sender = senders[k % conversations]
        text = texts[k % len(texts)] if texts else f"question {k} {time.time_ns()}"
        body = wa.meta_bytes(wa.payload(wa.text(text, sender=sender, timestamp=time.time())))
        async with limit:
            stamp = time.monotonic()
            for _ in range(100):
                answer = await http.post(url, content=body, headers=wa.signed_headers(body))
                if answer.status_code == 200:
                    break
                await asyncio.sleep(0.05)
        sent.setdefault(sender, []).append(stamp)

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        await asyncio.gather(*(one(http, k) for k in range(messages)))
    deadline = time.monotonic() + 120
    while len(graph.texts()) - base < messages:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(graph.texts()) - base} of {messages} replies arrived")
        await asyncio.sleep(0.05)
    replies = graph.texts()[base:]
    elapsed = max(r.arrived_monotonic for r in replies) - t0
    arrived: dict[str, list[float]] = {}
    for r in replies:
        arrived.setdefault(r.body["to"], []).append(r.arrived_monotonic)
    latencies = []
    for sender, stamps in sent.items():  # per conversation, the k-th reply answers the k-th message
        latencies += [
            a - s for s, a in zip(sorted(stamps), sorted(arrived.get(sender, [])), strict=False)
        ]
    return elapsed, latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    args = parser.parse_args()
    echo = FakeOpenAIServer(flavour="groq", responder=lambda r: f"re: {r.question}")
    with tempfile.TemporaryDirectory() as tmp, wa.FakeGraphApi() as graph, echo as groq:
        folder = Path(tmp)
        baseline = bus_claim_ack_rate(folder)
        stack = Stack(folder, graph, groq)
        url = f"http://127.0.0.1:{stack.ports['whatsapp']}/webhook/whatsapp"
        try:
            results = {}
            for name, texts in (("cache-hit workload", QUESTIONS), ("instant fake model", None)):
                elapsed, lat = asyncio.run(
                    run_load(
                        url,
                        graph,
                        messages=args.messages,
                        conversations=args.conversations,
                        texts=texts,
                        rate=None,
                    )
                )
                results[name] = (args.messages / elapsed, lat)
            paced_n = int(200 * args.paced_seconds)
            _, paced = asyncio.run(
                run_load(
                    url,
                    graph,
                    messages=paced_n,
                    conversations=args.conversations,
                    texts=None,
                    rate=200.0,
                )
            )
            rss = {n: peak_rss_mb(pid) for n, pid in stack.pids().items()}
        finally:
            stack.stop()
    print(f"bus claim+ack (baseline, same run): {baseline:8.0f} msg/s")
    for name, (rate, lat) in results.items():
        print(
            f"end to end, {name:<20} {rate:8.0f} msg/s  ratio {rate / baseline:.3f} of the bus  "
            f"p50 {pct(lat, 50) * 1000:.0f} ms  p99 {pct(lat, 99) * 1000:.0f} ms"
            "  (target >= 500 msg/s)"
        )
    print(
        f"end to end at 200 msg/s for {args.paced_seconds:g}s: "
        f"p50 {pct(paced, 50) * 1000:.0f} ms  "
        f"p99 {pct(paced, 99) * 1000:.0f} ms  (target p99 < 1000 ms)"
    )
    for name, mb in rss.items():
        print(f"peak RSS {name:<13} {mb:6.1f} MB  (target < 150 MB)")


if __name__ == "__main__":
    main()
