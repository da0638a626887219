"""``onebox trace``: a message's journey across the services, or the recent slow ones.

``onebox trace CORRELATION_ID`` prints every recorded step of one message (webhook received,
published, claimed, routed, reply published, sent, platform status) in time order, with the
time since the first step and since the previous one. ``onebox trace --slow 5s`` lists the
messages of the last day (``--since``) whose journey took longer. Events come from the
``service_events`` table of the shared database; services write them every few seconds.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from onebox_bus import BusError, Database
from onebox_service import format_journey, journey_json, read_journey, slow_journeys
from sqlalchemy.exc import SQLAlchemyError

from onebox.settings import database_url

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(text: str) -> float:
    """Seconds in ``5s``, ``500ms``, ``2m``, ``1h``, ``1d`` or a bare number of seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 5s, 500ms, 2m, 1h)")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def register(subparsers: Any) -> None:
    """Add ``onebox trace``."""
    p = subparsers.add_parser("trace", help="a message's journey by correlation id, or slow ones",
                              description=__doc__)  # fmt: skip
    p.add_argument("correlation_id", nargs="?", help="the message's correlation id")
    p.add_argument("--slow", type=parse_duration, metavar="DURATION",
                   help="list messages whose journey took longer (e.g. 5s)")  # fmt: skip
    p.add_argument("--since", type=parse_duration, default=86400.0, metavar="DURATION",
                   help="with --slow: how far back to look (default 1d)")  # fmt: skip
    p.add_argument("--limit", type=int, default=20, help="with --slow: at most this many")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run_trace)


def run_trace(args: argparse.Namespace) -> int:
    """Print the journey (0), or 1 when nothing is recorded for it; 2 on bad use."""
    if (args.correlation_id is None) == (args.slow is None):
        print("onebox trace: give a CORRELATION_ID or --slow DURATION", file=sys.stderr)
        return 2
    url = database_url(args.database_url)
    try:
        with Database(url) as db:
            if args.slow is not None:
                return _slow(db, args)
            return _one(db, args)
    except (SQLAlchemyError, BusError) as exc:
        print(f"onebox trace: cannot read events: {type(exc).__name__}", file=sys.stderr)
        return 1


def _one(db: Database, args: argparse.Namespace) -> int:
    events = read_journey(db, args.correlation_id)
    if args.json:
        body = {"correlation_id": args.correlation_id, **journey_json(events)}
        sys.stdout.write(orjson.dumps(body).decode() + "\n")
    elif events:
        start = datetime.fromtimestamp(events[0].at, tz=UTC).isoformat(timespec="milliseconds")
        print(f"{args.correlation_id} (first seen {start})")
        for line in format_journey(events):
            print(line)
    else:
        print(f"onebox trace: no events for {args.correlation_id!r}", file=sys.stderr)
    return 0 if events else 1


def _slow(db: Database, args: argparse.Namespace) -> int:
    found = slow_journeys(
        db, longer_than=args.slow, since=time.time() - args.since, limit=args.limit
    )
    if args.json:
        rows = [{"correlation_id": j.correlation_id, "started_at": j.started_at,
                 "seconds": round(j.seconds, 3), "steps": j.steps} for j in found]  # fmt: skip
        sys.stdout.write(orjson.dumps({"longer_than_s": args.slow, "messages": rows}).decode())
        sys.stdout.write("\n")
        return 0
    if not found:
        print(f"no message took longer than {args.slow:g}s")
        return 0
    for j in found:
        start = datetime.fromtimestamp(j.started_at, tz=UTC).isoformat(timespec="seconds")
        print(f"{j.correlation_id}  {j.seconds:8.2f}s  {j.steps:3d} steps  from {start}")
    return 0
