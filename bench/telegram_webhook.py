"""Telegram webhook throughput and latency: durable persist before the 200 vs a bare endpoint.

Run: ``uv run python bench/telegram_webhook.py [--seconds 10] [--connections 50]``

Two servers are started the same way (uvicorn, one process, 127.0.0.1, no access log):
- ``bare``: a Litestar app whose ``POST /webhook/telegram`` reads the body and answers 200,
  storing nothing;
- ``agent``: the real ``onebox-telegram`` process (secret check, parse, publish to the bus
  with group commit on a SQLite file, 200 only after the commit).
A load generator in this process (``loopback.py``) keeps 50 keep-alive connections busy
with real, distinct message updates for the same time against each, and prints requests/s
and p50/p99 latency beside the bare endpoint's, with the ratio. It then checks that every
200 is a stored row.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import Connection, bench_env, free_port, request_bytes, spawn_server
from onebox_agent_telegram.testing import message_update, update_bytes
from onebox_bus.testing import migrated_sqlite

try:
    import uvloop
except ImportError:  # the client then runs on the default loop
    uvloop = None  # type: ignore[assignment]

SECRET = "bench-secret-token"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def serve_bare(port: int) -> None:
    """The baseline: the same route, served the same way, storing nothing."""
    import uvicorn
    from litestar import Litestar, Request, post

    @post("/webhook/telegram", status_code=200)
    async def webhook(request: Request) -> dict[str, bool]:  # type: ignore[type-arg]
        await request.body()
        return {"ok": True}

    app = Litestar(route_handlers=[webhook], logging_config=None)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def start(kind: str, port: int, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    if kind == "bare":
        return spawn_server(
            kind, [sys.executable, __file__, "--serve-bare", str(port)], bench_env(), port, log
        )
    env = bench_env(
        ONEBOX_DATABASE_URL=db_url,
        ONEBOX_PORT=str(port),
        ONEBOX_TELEGRAM_BOT_TOKEN=TOKEN,
        ONEBOX_TELEGRAM_SECRET_TOKEN=SECRET,
        ONEBOX_TELEGRAM_API_URL="http://127.0.0.1:9",
        ONEBOX_LOG_LEVEL="warning",
    )
    return spawn_server(
        kind, [sys.executable, "-m", "onebox_agent_telegram", "serve"], env, port, log
    )


async def load(port: int, *, seconds: float, connections: int, first_id: int) -> dict[str, float]:
    ids = itertools.count(first_id)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def worker(measure_from: float, until: float) -> None:
        conn = await Connection.open(port)
        try:
            while (now := time.perf_counter()) < until:
                uid = next(ids)
                body = update_bytes(message_update(uid, 10_000 + uid % 997, f"question {uid}"))
                status, _ = await conn.send(
                    request_bytes("/webhook/telegram", body, headers, port=port)
                )
                if now >= measure_from:
                    statuses[status] = statuses.get(status, 0) + 1
                    latencies.append(time.perf_counter() - now)
        finally:
            conn.close()

    start_at = time.perf_counter()
    warm = start_at + 1.0
    until = warm + seconds
    await asyncio.gather(*(worker(warm, until) for _ in range(connections)))
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "ok": statuses.get(200, 0),
        "errors": sum(n for s, n in statuses.items() if s != 200),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--serve-bare", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare is not None:
        serve_bare(args.serve_bare)
        return
    folder = Path(tempfile.mkdtemp(prefix="onebox-bench-"))
    db_path = folder / "onebox.db"
    db_url = migrated_sqlite(db_path)
    results = {}
    for kind, first_id in (("bare", 1), ("agent", 10_000_000)):
        port = free_port()
        proc = start(kind, port, db_url, folder / f"{kind}.log")
        try:
            run = load(port, seconds=args.seconds, connections=args.connections, first_id=first_id)
            results[kind] = uvloop.run(run) if uvloop is not None else asyncio.run(run)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    bare, agent = results["bare"], results["agent"]
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM bus_messages WHERE topic = 'inbound'"
        ).fetchone()[0]
    print(f"telegram webhook, {args.connections} connections, {args.seconds:g} s each, 2 servers")
    print(f"{'':22}{'agent (durable)':>18}{'bare (baseline)':>18}{'ratio':>10}")
    print(
        f"{'requests/s':22}{agent['rps']:>18,.0f}{bare['rps']:>18,.0f}"
        f"{agent['rps'] / bare['rps']:>10.2f}"
    )
    print(
        f"{'p50 latency (ms)':22}{agent['p50_ms']:>18.1f}{bare['p50_ms']:>18.1f}"
        f"{agent['p50_ms'] / bare['p50_ms']:>10.2f}"
    )
    print(
        f"{'p99 latency (ms)':22}{agent['p99_ms']:>18.1f}{bare['p99_ms']:>18.1f}"
        f"{agent['p99_ms'] / bare['p99_ms']:>10.2f}"
    )
    print(f"{'non-200 answers':22}{agent['errors']:>18}{bare['errors']:>18}")
    print(
        f"agent: {stored} updates stored (every 200 of the run, warm-up included: "
        f"{'yes' if stored >= agent['ok'] else 'NO'})"
    )
    print(
        f"targets: >= 2,000 req/s {'met' if agent['rps'] >= 2000 else 'MISSED'}; "
        f"p99 < 50 ms {'met' if agent['p99_ms'] < 50 else 'MISSED'}; "
        f">= 40 % of bare {'met' if agent['rps'] >= 0.4 * bare['rps'] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
