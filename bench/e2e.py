"""End-to-end throughput and latency of the whole stack, beside the bus's own claim/ack rate.

    uv run python bench/e2e.py [--messages 3000] [--conversations 200] [--paced-seconds 10]
    uv run python bench/e2e.py --scenario idle   # the idle path, doorbell vs none: bench/idle.py

Runs ``onebox up`` (three services + metrics exporter, real processes) in a temporary folder
against a fake WhatsApp Graph API and an instant fake Groq on loopback, then measures:

1. cache-hit workload: customers ask from a small set of questions (the router's cache
   answers), as fast as the webhooks are accepted;
2. instant-model workload: every question is new, the fake model answers at once;
3. paced: 200 messages/s for a while, p50/p99 end-to-end latency;

end to end = signed webhook POST sent -> the reply's request received by the fake platform.
It prints each service's peak RSS, the CPU each process spent per message, and the bus's
claim+ack rate on a fresh SQLite file measured in the same run as the baseline. WhatsApp
carries the load: its pacing is configurable, while Telegram's sender holds Telegram's own
limit (30 messages/s per bot) whatever the machine.

The harness shares the two cores with the stack, so it is lean (``loopback.py``): the fakes'
own protocol code (the tests' `FakeGraphApi` and `FakeOpenAIServer`) served by a small asyncio
server, and a client that sends prepared, signed requests on 64 keep-alive connections, all on
one event loop in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import orjson
from loopback import (
    Connection,
    bench_doorbell,
    bench_env,
    bench_synchronous,
    free_port,
    request_bytes,
    serve,
)
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Publish
from onebox_bus.testing import make_test_bus
from onebox_router.testing import FakeOpenAIServer

try:
    import uvloop
except ImportError:  # the harness then runs on the default loop
    uvloop = None  # type: ignore[assignment]

BIN = Path(sys.executable).parent
QUESTIONS = [
    "What are your opening hours?",
    "Do you ship internationally?",
    "How much does shipping cost?",
    "Where is your shop located?",
    "How long does delivery take?",
]
CONNECTIONS = 64
JSON = {"Content-Type": "application/json"}


def bus_claim_ack_rate(folder: Path, n: int = 5000) -> float:
    """Messages/s one consumer claims and acks (batches of 10) on a fresh SQLite bus, at the
    stack's own ``synchronous`` level (an fsync per ack under FULL, as the services do) and
    with its doorbell setting (``ONEBOX_BUS_DOORBELL``)."""
    bus = make_test_bus(
        folder / "bus-bench.db", synchronous=bench_synchronous(), doorbell=bench_doorbell()
    )
    with bus:
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Stack:
    """``onebox up`` in `folder`, its WhatsApp agent pointed at the fake Graph API.

    With `groq`, the router asks the instant fake Groq; without it, the router answers
    offline (the example FAQ), as a key-less ``onebox up`` does. `settings` are extra
    ``ONEBOX_*`` variables for every service.
    """

    def __init__(
        self,
        folder: Path,
        *,
        graph_url: str,
        groq: FakeOpenAIServer | None = None,
        groq_url: str = "",
        settings: dict[str, str] | None = None,
    ):
        self.folder = folder
        self.ports = {n: free_port() for n in ("telegram", "whatsapp", "orchestrator")}
        env = {
            "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
            "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
            "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
            "ONEBOX_WHATSAPP_API_URL": graph_url,
            "ONEBOX_WHATSAPP_MAX_PER_SECOND": "100000",
            "ONEBOX_WHATSAPP_RECIPIENT_INTERVAL_SECONDS": "0",
            "ONEBOX_WHATSAPP_MARK_READ": "false",
            "ONEBOX_LOG_LEVEL": "warning",
            # The stream sends each conversation several questions at once and counts one
            # reply per message: the pipe is measured, not the folding of bursts.
            "ONEBOX_BURST_POLICY": "off",
        }
        if groq is not None:
            # The fake model has no quota: lift Groq's free-tier limits (30 requests and
            # 6,000 tokens a minute), or the router rightly answers most questions offline.
            routing = folder / "routing.toml"
            routing.write_text(
                "[providers.groq]\nrequests_per_minute = 1000000\ntokens_per_minute = 100000000\n"
            )
            env |= {
                "ONEBOX_GROQ_API_KEY": groq.api_key,
                "ONEBOX_GROQ_BASE_URL": groq_url,
                "ONEBOX_ROUTING_FILE": str(routing),
                "ONEBOX_MAX_CONCURRENCY": "64",
                "ONEBOX_IDLE_POLL_SECONDS": "0.05",
            }
        self.env = bench_env(**env, **(settings or {}))
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        argv = [str(BIN / "onebox"), "up", "--health-timeout", "120"]
        for name, port in self.ports.items():
            argv += ["--port", f"{name}={port}"]
        with (self.folder / "up.log").open("wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=self.folder, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    async def wait_up(self) -> None:
        assert self.proc is not None
        log = self.folder / "up.log"
        deadline = time.monotonic() + 150
        while b"onebox is up" not in log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("onebox up did not start:\n" + log.read_text()[-3000:])
            await asyncio.sleep(0.2)  # the fakes are served by this loop meanwhile

    def pids(self) -> dict[str, int]:
        state = orjson.loads((self.folder / "var" / "onebox-up.json").read_bytes())
        return {n: int(s["pid"]) for n, s in state["services"].items()}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


class Run:
    """One workload's figures."""

    def __init__(self, messages: int, elapsed: float, latencies: list[float]) -> None:
        self.rate = messages / elapsed
        self.latencies = latencies
        self.cpu_ms: dict[str, float] = {}


async def run_load(
    port: int,
    graph: wa.FakeGraphApi,
    stack: Stack,
    *,
    messages: int,
    conversations: int,
    texts: list[str] | None,
    rate: float | None,
    connections: int = CONNECTIONS,
) -> Run:
    """Post `messages` signed webhooks and wait for every reply at the fake platform."""
    base = len(graph.texts())
    senders = [f"1666{n:07d}" for n in range(conversations)]
    now = time.time()
    jobs: deque[tuple[int, str, bytes]] = deque()
    for k in range(messages):
        sender = senders[k % conversations]
        text = texts[k % len(texts)] if texts else f"question {k} {time.time_ns()}"
        body = wa.meta_bytes(wa.payload(wa.text(text, sender=sender, timestamp=now)))
        request = request_bytes("/webhook/whatsapp", body, wa.signed_headers(body), port=port)
        jobs.append((k, sender, request))
    sent: dict[str, list[float]] = {}
    pids = {**stack.pids(), "harness": os.getpid()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    t0 = time.monotonic()

    async def worker() -> None:
        conn = await Connection.open(port)
        try:
            while jobs:
                k, sender, request = jobs.popleft()
                if rate is not None:
                    await asyncio.sleep(max(0.0, t0 + k / rate - time.monotonic()))
                stamp = time.monotonic()
                for _ in range(100):  # 503 means "retry", as the platform would
                    status, _ = await conn.send(request)
                    if status == 200:
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise SystemExit(f"the webhook kept answering {status}")
                sent.setdefault(sender, []).append(stamp)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    deadline = time.monotonic() + 120
    while len(graph.texts()) - base < messages:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(graph.texts()) - base} of {messages} replies arrived")
        await asyncio.sleep(0.02)
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
    run = Run(messages, elapsed, latencies)
    run.cpu_ms = {
        name: (cpu_seconds(pid) - cpu_before[name]) / messages * 1000 for name, pid in pids.items()
    }
    return run


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


async def measure(
    args: argparse.Namespace, folder: Path
) -> tuple[dict[str, Run], dict[str, float]]:
    graph = wa.FakeGraphApi()
    groq = FakeOpenAIServer(flavour="groq", responder=lambda r: f"re: {r.question}")

    def graph_handler(method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
        status, answer = graph.handle(method, path, headers, body)
        return status, JSON, answer

    def groq_handler(method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
        status, answer_headers, answer, _ = groq.handle(method, path, headers, body)
        return status, answer_headers, answer

    graph_server = await serve(graph_handler)
    groq_server = await serve(groq_handler)
    graph_port = graph_server.sockets[0].getsockname()[1]
    groq_port = groq_server.sockets[0].getsockname()[1]
    stack = Stack(
        folder,
        graph_url=f"http://127.0.0.1:{graph_port}",
        groq=groq,
        groq_url=f"http://127.0.0.1:{groq_port}{groq.prefix}",
        settings={"ONEBOX_BUS_DOORBELL": "1" if args.doorbell else "0"},
    )
    runs: dict[str, Run] = {}
    try:
        stack.spawn()
        await stack.wait_up()
        port = stack.ports["whatsapp"]
        common = {"conversations": args.conversations}
        runs["cache-hit workload"] = await run_load(
            port, graph, stack, messages=args.messages, texts=QUESTIONS, rate=None, **common
        )
        runs["instant fake model"] = await run_load(
            port, graph, stack, messages=args.messages, texts=None, rate=None, **common
        )
        runs["paced 200 msg/s"] = await run_load(
            port,
            graph,
            stack,
            messages=int(200 * args.paced_seconds),
            texts=None,
            rate=200.0,
            **common,
        )
        rss = {name: peak_rss_mb(pid) for name, pid in stack.pids().items()}
    finally:
        stack.stop()
        graph_server.close()
        groq_server.close()
    return runs, rss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument(
        "--scenario",
        choices=("load", "idle", "all"),
        default="load",
        help="load: the workloads above; idle: the idle path with and without the bus "
        "doorbell (bench/idle.py); all: both",
    )
    parser.add_argument(
        "--doorbell",
        action=argparse.BooleanOptionalAction,
        default=bench_doorbell(),
        help="load: run the stack with the bus doorbell (default, unless ONEBOX_BUS_DOORBELL=0) "
        "or without it",
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--quiet-seconds", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="idle: also on this PostgreSQL database (default: $ONEBOX_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if args.scenario != "load":
        from idle import run_idle

        run_idle(args)
        if args.scenario == "idle":
            return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = bus_claim_ack_rate(folder)
        work = measure(args, folder)
        runs, rss = uvloop.run(work) if uvloop is not None else asyncio.run(work)
    print(f"bus claim+ack (baseline, same run): {baseline:8.0f} msg/s")
    for name in ("cache-hit workload", "instant fake model"):
        run = runs[name]
        print(
            f"end to end, {name:<20} {run.rate:8.0f} msg/s  ratio {run.rate / baseline:.3f} of "
            f"the bus  p50 {pct(run.latencies, 50) * 1000:.0f} ms  "
            f"p99 {pct(run.latencies, 99) * 1000:.0f} ms  (target >= 500 msg/s)"
        )
    paced = runs["paced 200 msg/s"]
    print(
        f"end to end at 200 msg/s for {args.paced_seconds:g}s: "
        f"p50 {pct(paced.latencies, 50) * 1000:.0f} ms  "
        f"p99 {pct(paced.latencies, 99) * 1000:.0f} ms  (target p99 < 1000 ms)"
    )
    for name, mb in rss.items():
        print(f"peak RSS {name:<13} {mb:6.1f} MB  (target < 150 MB)")
    names = list(runs["cache-hit workload"].cpu_ms)
    print("CPU per message (ms):" + "".join(f"{n:>14}" for n in names))
    for label, run in runs.items():
        print(f"  {label:<19}" + "".join(f"{run.cpu_ms[n]:>14.2f}" for n in names))


if __name__ == "__main__":
    main()
