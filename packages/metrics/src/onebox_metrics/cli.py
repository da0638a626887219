"""``onebox-metrics``: write the node_exporter textfile, or show the figures in a terminal."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import structlog
from onebox_bus import DEFAULT_DATABASE_URL, Bus, BusError, Database, check_schema

from . import settings
from .errors import MetricsConfigError, MetricsError
from .exporter import FILENAME, export
from .query import Series, read_series

log = structlog.get_logger()

LOG_LEVELS = ("debug", "info", "warning", "error")


def add_commands(sub: Any) -> None:
    """Add the metrics commands to an argparse subparsers object (shared with ``onebox``)."""
    p = sub.add_parser(
        "export", help=f"write DIR/{FILENAME} for node_exporter's textfile collector"
    )
    p.add_argument("--dir", type=Path, help="textfile directory (default: $ONEBOX_METRICS_DIR)")
    p.add_argument(
        "--every", type=float, metavar="SECONDS", help="keep running, writing every SECONDS"
    )
    p.add_argument(
        "--retention-days",
        type=float,
        help=f"roll up raw rows older than this (default: ${settings.RETENTION_DAYS} or "
        f"{settings.DEFAULT_RETENTION_DAYS:g})",
    )
    p.set_defaults(handler=_export)

    p = sub.add_parser("show", help="print the current figures as a table")
    p.add_argument("--hours", type=float, default=1.0, help="width of the recent column")
    p.set_defaults(handler=_show)


def build_parser() -> argparse.ArgumentParser:
    """The ``onebox-metrics`` argument parser."""
    parser = argparse.ArgumentParser(prog="onebox-metrics", description=__doc__)
    parser.add_argument("--database-url", help="default: $ONEBOX_DATABASE_URL or ./var/onebox.db")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed metrics command; returns the exit code."""
    try:
        url = args.database_url or settings.variable(settings.DATABASE_URL) or DEFAULT_DATABASE_URL
        check_schema(url)
        return int(args.handler(url, args))
    except (MetricsError, BusError) as exc:
        print(f"onebox-metrics: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``onebox-metrics`` with `argv`, logging as the caller configured."""
    return run(build_parser().parse_args(argv))


def entry() -> int:
    """The ``onebox-metrics`` command: its own logging set up (`configure_logging`), then run."""
    args = build_parser().parse_args()
    configure_logging()
    return run(args)


def configure_logging() -> None:
    """Log like the services: JSON lines at ``info`` unless ``ONEBOX_LOG_*`` say otherwise.

    A bad level or format is refused by name (this package sits below the service kit, whose
    logging setup it cannot import).
    """
    level_name = (settings.variable(settings.LOG_LEVEL) or "info").lower()
    level = logging.getLevelNamesMapping().get(level_name.upper())
    if level_name not in LOG_LEVELS or level is None:
        raise SystemExit(f"onebox-metrics: {settings.LOG_LEVEL}: one of {', '.join(LOG_LEVELS)}")
    form = (settings.variable(settings.LOG_FORMAT) or "json").lower()
    if form not in ("json", "console"):
        raise SystemExit(f"onebox-metrics: {settings.LOG_FORMAT}: json or console")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if form == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )


def _retention_days(args: argparse.Namespace) -> float:
    """``--retention-days``, else its variable, else the default; positive."""
    if args.retention_days is not None:
        if args.retention_days <= 0:
            raise MetricsError(f"--retention-days must be positive, got {args.retention_days!r}")
        return float(args.retention_days)
    text = settings.variable(settings.RETENTION_DAYS)
    if text is None:
        return settings.DEFAULT_RETENTION_DAYS
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days > 0:
        raise MetricsConfigError(f"{settings.RETENTION_DAYS}: must be a positive number of days")
    return days


def _export(url: str, args: argparse.Namespace) -> int:
    named = args.dir or settings.variable(settings.METRICS_DIR)
    if named is None:
        raise MetricsError(f"name the textfile directory with --dir (or {settings.METRICS_DIR})")
    directory = Path(named)
    if args.every is not None and args.every <= 0:
        raise MetricsError(f"--every must be positive, got {args.every!r}")
    days = _retention_days(args)
    stop = threading.Event()
    if args.every is not None and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    with Database(url) as db:
        bus = Bus(db)
        while True:
            try:
                path = export(db.engine, directory, bus_stats=bus.stats(), retention=days * 86400)
            except (MetricsError, BusError) as exc:
                if args.every is None:
                    raise
                log.warning("metrics.export_failed", error=str(exc))
            if args.every is None:
                print(f"wrote {path}")
                return 0
            if stop.wait(args.every):
                return 0


def _show(url: str, args: argparse.Namespace) -> int:
    now = time.time()
    with Database(url) as db:
        stats = Bus(db).stats()
        total = read_series(db.engine)
        recent = {_key(s): s for s in read_series(db.engine, since=now - args.hours * 3600)}
    rows: list[tuple[str, ...]] = [("topic", "ready", "claimed", "done", "dead", "oldest ready")]
    for topic, s in stats.items():
        counts = (s.ready, s.claimed, s.done, s.dead)
        rows.append((topic, *map(str, counts), f"{s.oldest_ready_age_s:.1f}s"))
    print("Bus")
    _table(rows) if len(rows) > 1 else print("  no messages")
    print(f"WAL file: {stats.wal_bytes / 1024:.0f} KiB\n")

    print(f"Metrics (all time, and the last {args.hours:g} h)")
    if not total:
        print("  nothing flushed yet")
        return 0
    rows = [("service", "metric", "labels", "all time", f"last {args.hours:g} h")]
    for series in total:
        labels = ",".join(f"{k}={v}" for k, v in sorted(series.labels.items()))
        figures = (_figure(series), _figure(recent.get(_key(series))))
        rows.append((series.service, series.name, labels, *figures))
    _table(rows)
    return 0


def _key(s: Series) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return (s.service, s.name, tuple(sorted(s.labels.items())))


def _figure(s: Series | None) -> str:
    if s is None:
        return "-"
    if s.kind == "histogram":
        p50, p95 = s.quantile(0.5), s.quantile(0.95)
        if p50 is None or p95 is None:
            return "n=0"
        return f"n={s.count} p50={p50:.3g} p95={p95:.3g}"
    return f"{s.value:g}"


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
