"""The idle path: what one customer feels when the stack is quiet, with and without the doorbell.

    uv run python bench/e2e.py --scenario idle [--idle-seconds 60] [--quiet-seconds 60]
                               [--postgres-url postgresql+psycopg://...]

For each database (SQLite in a temporary folder; PostgreSQL too when ``--postgres-url`` or
``ONEBOX_TEST_POSTGRES_URL`` names one, in a schema of its own) it runs ``onebox up`` twice,
once with the bus doorbell and once with ``ONEBOX_BUS_DOORBELL=0`` (the services' defaults
otherwise, idle poll included), and on each:

1. sends one WhatsApp message every 500 ms for ``--idle-seconds``: signed webhook -> reply at
   the fake Graph API, answered by the offline router (no model keys), p50/p99;
2. then leaves the stack quiet for ``--quiet-seconds`` and reports each service's CPU over it.

The doorbell-less run is the baseline, measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from e2e import JSON, QUESTIONS, Stack, cpu_seconds, run_load
from loopback import serve
from onebox_agent_whatsapp import testing as wa

RATE = 2.0  # one message every 500 ms
TARGET = "target with the doorbell: p50 < 15 ms, p99 < 50 ms, idle CPU < 1 %"


@dataclass(frozen=True, slots=True, kw_only=True)
class IdleRun:
    """One stack's figures: reply latencies (s) and each service's CPU share while quiet."""

    latencies: list[float]
    quiet_cpu: dict[str, float]


async def idle_run(
    folder: Path, *, database_url: str | None, doorbell: bool, seconds: float, quiet: float
) -> IdleRun:
    """Start a stack, pace messages through it, then watch it idle."""
    graph = wa.FakeGraphApi()

    def graph_handler(method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
        status, answer = graph.handle(method, path, headers, body)
        return status, JSON, answer

    server = await serve(graph_handler)
    settings = {"ONEBOX_BUS_DOORBELL": "1" if doorbell else "0"}
    if database_url is not None:
        settings["ONEBOX_DATABASE_URL"] = database_url
    _make(folder)
    stack = Stack(
        folder,
        graph_url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}",
        settings=settings,
    )
    try:
        stack.spawn()
        await stack.wait_up()
        messages = max(2, int(seconds * RATE))
        run = await run_load(
            stack.ports["whatsapp"],
            graph,
            stack,
            messages=messages,
            conversations=20,
            texts=QUESTIONS,
            rate=RATE,
            connections=1,  # kept busy enough that the server's keep-alive never closes it
        )
        pids = stack.pids()
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        await asyncio.sleep(quiet)
        spent = time.monotonic() - started
        usage = {name: (cpu_seconds(pid) - before[name]) / spent for name, pid in pids.items()}
    finally:
        stack.stop()
        server.close()
    return IdleRun(latencies=run.latencies, quiet_cpu=usage)


def _make(folder: Path) -> None:
    folder.mkdir(parents=True)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, never past the largest value (few samples: nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def postgres_schema_url(base: str, schema: str) -> str:
    """A fresh, migrated schema of the database at `base` (dropped and created again)."""
    from onebox_bus.testing import migrated_postgres

    return migrated_postgres(base, schema)


async def measure(args: argparse.Namespace, folder: Path) -> dict[tuple[str, bool], IdleRun]:
    databases: dict[str, str | None] = {"sqlite": None}
    pg = args.postgres_url or os.environ.get("ONEBOX_TEST_POSTGRES_URL")
    if pg:
        databases["postgresql"] = pg
    runs: dict[tuple[str, bool], IdleRun] = {}
    for kind, base in databases.items():
        for doorbell in (True, False):
            tag = f"{kind}-{'bell' if doorbell else 'poll'}"
            url = postgres_schema_url(base, f"bench_idle_{tag.replace('-', '_')}") if base else None
            runs[(kind, doorbell)] = await idle_run(
                folder / tag,
                database_url=url,
                doorbell=doorbell,
                seconds=args.idle_seconds,
                quiet=args.quiet_seconds,
            )
    return runs


def report(runs: dict[tuple[str, bool], IdleRun], args: argparse.Namespace) -> None:
    print(
        f"idle path: one message every {1 / RATE * 1000:.0f} ms for {args.idle_seconds:g}s, "
        f"webhook -> reply at the fake platform, offline answers ({TARGET})"
    )
    for (kind, doorbell), run in runs.items():
        label = f"{kind}, {'doorbell' if doorbell else 'no doorbell (baseline)':<22}"
        print(
            f"  {label} p50 {pct(run.latencies, 50) * 1000:7.1f} ms  "
            f"p99 {pct(run.latencies, 99) * 1000:7.1f} ms  max {max(run.latencies) * 1000:7.1f} ms"
            f"  ({len(run.latencies)} replies)"
        )
    names = list(next(iter(runs.values())).quiet_cpu)
    print(f"CPU while quiet for {args.quiet_seconds:g}s (% of one core):")
    print(f"  {'':<34}" + "".join(f"{n:>14}" for n in names))
    for (kind, doorbell), run in runs.items():
        label = f"{kind}, {'doorbell' if doorbell else 'no doorbell (baseline)'}"
        print(f"  {label:<34}" + "".join(f"{run.quiet_cpu[n] * 100:>13.2f}%" for n in names))


def fsync_ms(folder: Path, n: int = 50) -> tuple[float, float]:
    """p50 and p99 of one 4 KiB write + fsync in `folder` (what a durable commit waits for)."""
    path = folder / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    took = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            took.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return pct(took, 50), pct(took, 99)


def run_idle(args: argparse.Namespace) -> None:
    """The idle scenario of ``bench/e2e.py``."""
    with tempfile.TemporaryDirectory() as tmp:
        before = fsync_ms(Path(tmp))
        runs = asyncio.run(measure(args, Path(tmp)))
        after = fsync_ms(Path(tmp))
    report(runs, args)
    print(
        f"disk fsync here, before/after: p50 {before[0]:.1f}/{after[0]:.1f} ms, "
        f"p99 {before[1]:.1f}/{after[1]:.1f} ms (a PostgreSQL commit waits for one; "
        "SQLite with synchronous=NORMAL does not) - load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
