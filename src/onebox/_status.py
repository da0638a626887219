"""What ``onebox status`` gathers: one report for the person on call.

Each service's ``/health``; the bus per topic and state, the oldest waiting message and the
dead letters; the router's cache hit rate (from the metrics table); calls and spend per
provider today and this month (from the router's calls ledger); and the restarts that
``onebox up`` counted. `collect` returns plain data (the ``--json`` output); `render` turns
it into the screen. A part that cannot be read is reported as such, never guessed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from onebox_bus import Bus, BusError, Database
from onebox_metrics import MetricsError
from onebox_metrics.query import read_series
from sqlalchemy.exc import SQLAlchemyError

STUCK_AFTER_S = 300.0
"""A message waiting longer than this makes the status unhealthy: nothing is consuming it."""


def collect(
    *,
    database_url: str,
    urls: Mapping[str, str],
    state: Mapping[str, Any] | None,
    clock: Callable[[], float] = time.time,
    http_timeout: float = 2.0,
) -> dict[str, Any]:
    """The whole report as JSON-able data; ``report["healthy"]`` sums it up."""
    now = clock()
    restarts = _restarts(state)
    services: dict[str, Any] = {}
    with httpx.Client(timeout=http_timeout) as http:
        for name, url in urls.items():
            services[name] = {"url": url, **_health(http, url), "restarts": restarts.get(name)}
    report: dict[str, Any] = {"checked_at": now, "services": services}
    if "metrics" in restarts:
        report["metrics_exporter"] = {"restarts": restarts["metrics"]}
    try:
        db = Database(database_url)
    except BusError as exc:
        report["bus"] = {"error": str(exc)[:200]}
        report["cache"] = report["providers"] = {"error": "database unavailable"}
        report["storage"] = {"error": "database unavailable"}
    else:
        with db:
            report["storage"] = storage(db, now)
            report["bus"] = _bus(db)
            report["cache"] = _cache(db.engine)
            report["providers"] = _providers(db.engine, now)
    problems = [f"{n} {s['status']}" for n, s in services.items() if s["status"] != "ok"]
    bus = report["bus"]
    if "error" in bus:
        problems.append(f"database: {bus['error']}")
    elif bus["oldest_waiting_s"] > STUCK_AFTER_S:
        problems.append(f"a message has waited {bus['oldest_waiting_s']:.0f}s")
    report["problems"] = problems
    report["healthy"] = not problems
    return report


#: Each growing table and the column its retention purges by (``docs/operations.md``).
RETAINED = (
    ("bus_messages", "created_at"),
    ("service_webhook_events", "received_at"),
    ("service_events", "at"),
    ("service_deliveries", "created_at"),
    ("service_parcels", "created_at"),
    ("metrics_samples", "start"),
    ("orchestrator_turns", "created_at"),
    ("orchestrator_conversations", "last_at"),
    ("orchestrator_question_groups", "last_at"),
    ("router_calls", "created_at"),
    ("router_cache", "created_at"),
)


def storage(db: Database, now: float) -> dict[str, Any]:
    """The database's size on disk and, per table, its rows and the age of its oldest row."""
    try:
        size = _database_bytes(db)
        tables: dict[str, Any] = {}
        for table, column in RETAINED:
            query = sa.text(f"SELECT count(*), min({column}) FROM {table}")
            rows, first = db.read(partial(_one, query))
            tables[table] = {
                "rows": int(rows),
                "oldest_age_s": None if first is None else round(max(0.0, now - float(first)), 1),
            }
    except (BusError, SQLAlchemyError) as exc:
        return {"error": str(exc)[:200]}
    return {"database_bytes": size, "tables": tables}


def _one(query: sa.TextClause, conn: sa.Connection) -> tuple[Any, ...]:
    return tuple(conn.execute(query).one())


def _database_bytes(db: Database) -> int:
    if not db.sqlite:
        query = sa.text("SELECT pg_database_size(current_database())")
        return int(db.read(lambda conn: conn.execute(query).scalar()) or 0)
    path = Path(db.engine.url.database or "")
    total = 0
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            total += name.stat().st_size
    return total


def _health(http: httpx.Client, url: str) -> dict[str, Any]:
    try:
        response = http.get(f"{url}/health")
    except httpx.HTTPError as exc:
        return {"status": "unreachable", "error": type(exc).__name__}
    try:
        body = response.json()
    except ValueError:
        body = {}
    status = "ok" if response.status_code == 200 else f"unhealthy ({response.status_code})"
    workers = body.get("workers", []) if isinstance(body, dict) else []
    return {
        "status": status,
        "workers": {w.get("name"): bool(w.get("alive")) for w in workers if isinstance(w, dict)},
    }


def _bus(db: Database) -> dict[str, Any]:
    try:
        stats = Bus(db).stats()
    except BusError as exc:
        return {"error": str(exc)[:200]}
    topics = {
        topic: {
            "ready": s.ready,
            "claimed": s.claimed,
            "done": s.done,
            "dead": s.dead,
            "oldest_ready_age_s": round(s.oldest_ready_age_s, 3),
        }
        for topic, s in sorted(stats.items())
    }
    try:
        claims = [
            {"topic": str(topic), "claimant": str(holder or "?"), "messages": int(count)}
            for topic, holder, count in db.read(partial(_rows, CLAIMS))
        ]
    except (BusError, SQLAlchemyError) as exc:
        return {"error": str(exc)[:200]}
    return {
        "topics": topics,
        "oldest_waiting_s": max((t["oldest_ready_age_s"] for t in topics.values()), default=0.0),
        "dead_letters": sum(t["dead"] for t in topics.values()),
        "wal_bytes": stats.wal_bytes,
        "claims": claims,
    }


#: Who holds the messages in hand now: ``<consumer>@<host>:<pid>`` (``Consumer.claimant``).
CLAIMS = sa.text(
    "SELECT topic, claimed_by, count(*) FROM bus_messages WHERE state = 'claimed'"
    " GROUP BY topic, claimed_by ORDER BY topic, claimed_by"
)


def _rows(query: sa.TextClause, conn: sa.Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(query)]


def _cache(engine: sa.Engine) -> dict[str, Any]:
    try:
        series = read_series(engine)
    except MetricsError as exc:
        return {"error": str(exc)[:200]}
    counts: dict[str, float] = {}
    for s in series:
        if s.name == "onebox_router_cache_lookups_total":
            result = s.labels.get("result", "?")
            counts[result] = counts.get(result, 0.0) + s.value
    hits = counts.get("exact", 0.0) + counts.get("similar", 0.0)
    lookups = hits + counts.get("miss", 0.0)
    return {
        "lookups": int(lookups),
        "hits": int(hits),
        "hit_rate": round(hits / lookups, 4) if lookups else None,
        "by_result": {k: int(v) for k, v in sorted(counts.items())},
    }


def _providers(engine: sa.Engine, now: float) -> dict[str, Any]:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    query = sa.text(
        "SELECT provider, COUNT(*) AS calls, COALESCE(SUM(cost_usd), 0) AS spend "
        "FROM router_calls WHERE created_at >= :start GROUP BY provider"
    )
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for period, start in (("today", day), ("month", month)):
                for row in conn.execute(query, {"start": start.timestamp()}):
                    entry = out.setdefault(
                        row.provider,
                        {"calls_today": 0, "spend_today_usd": 0.0, "calls_month": 0,
                         "spend_month_usd": 0.0},
                    )  # fmt: skip
                    entry[f"calls_{period}"] = int(row.calls)
                    entry[f"spend_{period}_usd"] = round(float(row.spend), 6)
    except SQLAlchemyError as exc:
        return {"error": type(exc).__name__}
    return dict(sorted(out.items()))


def _restarts(state: Mapping[str, Any] | None) -> dict[str, int]:
    services = state.get("services") if state else None
    if not isinstance(services, dict) or (state or {}).get("stopped"):
        return {}
    return {
        name: int(info.get("restarts", 0))
        for name, info in services.items()
        if isinstance(info, dict)
    }


def render(report: Mapping[str, Any]) -> str:
    """The report as one screen of text."""
    lines = ["Services"]
    for name, s in report["services"].items():
        restarts = "" if s.get("restarts") is None else f"  restarts {s['restarts']}"
        dead_workers = [w for w, alive in s.get("workers", {}).items() if not alive]
        workers = f"  workers down: {', '.join(dead_workers)}" if dead_workers else ""
        lines.append(f"  {name:<13} {s['status']:<16} {s['url']}{restarts}{workers}")
    if "metrics_exporter" in report:
        lines.append(
            f"  {'metrics':<13} {'exporter':<16} restarts {report['metrics_exporter']['restarts']}"
        )
    bus = report["bus"]
    lines.append("")
    if "error" in bus:
        lines.append(f"Bus: cannot read it: {bus['error']}")
    else:
        lines.append("Bus")
        rows: list[tuple[str, ...]] = [
            ("topic", "ready", "claimed", "done", "dead", "oldest waiting")
        ]
        for topic, t in bus["topics"].items():
            rows.append((topic, *(str(t[k]) for k in ("ready", "claimed", "done", "dead")),
                         _age(t["oldest_ready_age_s"])))  # fmt: skip
        lines.extend(_table(rows) if len(rows) > 1 else ["  no messages yet"])
        lines.append(
            f"  dead letters: {bus['dead_letters']}"
            + ("  (see `onebox dead list`)" if bus["dead_letters"] else "")
            + f"   oldest waiting: {_age(bus['oldest_waiting_s'])}"
        )
        if bus.get("claims"):
            lines.append("  in hand:")
            claims: list[tuple[str, ...]] = [
                ("topic", "claimed by (consumer@host:pid)", "messages")
            ]
            claims += [(c["topic"], c["claimant"], str(c["messages"])) for c in bus["claims"]]
            lines.extend("  " + line for line in _table(claims))
    lines.extend(_render_storage(report.get("storage")))
    cache = report["cache"]
    lines.append("")
    if "error" in cache:
        lines.append(f"Cache: cannot read the metrics: {cache['error']}")
    elif cache["hit_rate"] is None:
        lines.append("Cache: no lookups recorded yet")
    else:
        rate, hits, lookups = cache["hit_rate"], cache["hits"], cache["lookups"]
        lines.append(f"Cache: {rate:.1%} hit rate ({hits} of {lookups} lookups)")
    providers = report["providers"]
    lines.append("")
    if "error" in providers:
        lines.append(f"Providers: cannot read the calls ledger: {providers['error']}")
    elif not providers:
        lines.append("Providers: no calls this month")
    else:
        lines.append("Providers")
        rows = [("provider", "calls today", "spend today", "calls month", "spend month")]
        for name, p in providers.items():
            rows.append((name, str(p["calls_today"]), f"${p['spend_today_usd']:.4f}",
                         str(p["calls_month"]), f"${p['spend_month_usd']:.4f}"))  # fmt: skip
        lines.extend(_table(rows))
    lines.append("")
    lines.append("OK" if report["healthy"] else "UNHEALTHY: " + "; ".join(report["problems"]))
    return "\n".join(lines)


def _render_storage(storage: Mapping[str, Any] | None) -> list[str]:
    if storage is None:
        return []
    if "error" in storage:
        return ["", f"Database: cannot read it: {storage['error']}"]
    mib = storage["database_bytes"] / (1024 * 1024)
    lines = ["", f"Database: {mib:.1f} MiB on disk (with -wal/-shm)"]
    rows: list[tuple[str, ...]] = [("table", "rows", "oldest row")]
    for table, t in storage["tables"].items():
        age = "-" if t["oldest_age_s"] is None else _age(t["oldest_age_s"])
        rows.append((table, str(t["rows"]), age))
    return lines + _table(rows)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
