"""Signed WhatsApp webhook throughput and latency, beside a bare Litestar endpoint.

Runs the real agent (``onebox-whatsapp`` under uvicorn, one process) on a fresh SQLite file:
each request is a Meta-signed webhook with one new text message, verified on the raw body,
parsed, published to the bus and recorded in the window table, and answered 200 only after
the commits. The baseline is a bare Litestar ``POST`` that reads the body and answers 200,
served the same way in the same run. A lean keep-alive client (``loopback.py``) drives both.

    uv run python bench/whatsapp_webhook.py [--requests 20000] [--connections 32]

Targets (issue 7): >= 2,000 requests/s, p99 < 50 ms, >= 40 % of the bare endpoint's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import Connection, bench_env, free_port, request_bytes, spawn_server
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Bus
from onebox_bus.migrate import upgrade

SECRET = "bench-app-secret"


def serve_bare(port: int) -> None:
    import uvicorn
    from litestar import Litestar, Request, post

    @post("/webhook/whatsapp", status_code=200)
    async def bare(request: Request) -> bytes:  # type: ignore[type-arg]
        await request.body()
        return b""

    app = Litestar([bare], logging_config=None)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def start(kind: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    log = folder / f"{kind}.log"
    if kind == "bare":
        return spawn_server(
            kind, [sys.executable, __file__, "--serve-bare", str(port)], bench_env(), port, log
        )
    url = f"sqlite:///{folder / 'onebox.db'}"
    upgrade(url)
    env = bench_env(
        ONEBOX_DATABASE_URL=url,
        ONEBOX_PORT=str(port),
        ONEBOX_LOG_LEVEL="warning",
        ONEBOX_WHATSAPP_ACCESS_TOKEN="bench-token",
        ONEBOX_WHATSAPP_PHONE_NUMBER_ID=wa.PHONE_NUMBER_ID,
        ONEBOX_WHATSAPP_APP_SECRET=SECRET,
        ONEBOX_WHATSAPP_API_URL="http://127.0.0.1:9",
    )
    return spawn_server(
        kind, [sys.executable, "-m", "onebox_agent_whatsapp.main", "serve"], env, port, log
    )


def requests_for(count: int, port: int) -> list[bytes]:
    out = []
    for i in range(count):
        item = wa.text(f"Hola, ¿precio del artículo {i}? 5€/u", sender=f"1555{i % 500:07d}")
        body = wa.meta_bytes(wa.payload(item))
        out.append(
            request_bytes("/webhook/whatsapp", body, wa.signed_headers(body, SECRET), port=port)
        )
    return out


async def drive(port: int, payloads: list[bytes], connections: int) -> tuple[float, list[float]]:
    queue = list(reversed(payloads))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        conn = await Connection.open(port)
        try:
            while queue:
                request = queue.pop()
                started = time.perf_counter()
                status, _ = await conn.send(request)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected answers: {statuses}")
    return elapsed, latencies


def measure(kind: str, count: int, connections: int, folder: Path) -> dict[str, float]:
    port = free_port()
    proc = start(kind, port, folder)
    try:
        asyncio.run(drive(port, requests_for(500, port), connections))  # warm up
        elapsed, latencies = asyncio.run(drive(port, requests_for(count, port), connections))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    with tempfile.TemporaryDirectory(prefix="onebox-bench-") as tmp:
        folder = Path(tmp)
        bare = measure("bare", args.requests, args.connections, folder)
        agent = measure("agent", args.requests, args.connections, folder)
        with Bus.from_url(f"sqlite:///{folder / 'onebox.db'}") as bus:
            stored = bus.stats()["inbound"].ready
    print(f"{args.requests} requests, {args.connections} connections, one message each")
    print(f"{'':28}{'agent':>10}{'bare':>10}{'ratio':>8}")
    ratio = agent["rps"] / bare["rps"]
    print(f"{'requests/s':28}{agent['rps']:>10.0f}{bare['rps']:>10.0f}{ratio:>8.2f}")
    for key in ("p50_ms", "p99_ms"):
        print(f"{key:28}{agent[key]:>10.2f}{bare[key]:>10.2f}{agent[key] / bare[key]:>8.2f}")
    print(f"inbound messages stored: {stored} (expected {args.requests + 500})")
    ok = agent["rps"] >= 2000 and agent["p99_ms"] < 50 and agent["rps"] >= 0.4 * bare["rps"]
    print("targets (>= 2000 req/s, p99 < 50 ms, >= 40 % of bare):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
