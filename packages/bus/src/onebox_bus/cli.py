"""``onebox-bus``: migrate the shared database, look at the queues, handle dead letters."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson

from .bus import Bus
from .errors import BusError
from .migrate import downgrade, upgrade
from .settings import default_database_url


def add_commands(sub: Any) -> None:
    """Add the bus's commands to an argparse subparsers object (shared with ``onebox``)."""
    p = sub.add_parser("migrate", help="bring the shared database to head (every package)")
    p.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    p.set_defaults(handler=_migrate)

    p = sub.add_parser("stats", help="messages per topic and state")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_stats)

    dead = sub.add_parser("dead", help="list, replay or purge dead letters")
    dsub = dead.add_subparsers(dest="dead_command", required=True)
    p = dsub.add_parser("list", help="list dead letters with their last error")
    p.add_argument("--topic")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_dead_list)
    for name, helptext in (("replay", "make dead letters ready again"), ("purge", "delete them")):
        p = dsub.add_parser(name, help=helptext)
        p.add_argument("ids", nargs="*", type=int, help="message ids (default: all of --topic)")
        p.add_argument("--topic")
        p.add_argument("--all", action="store_true", help="every dead letter (of --topic)")
        if name == "purge":
            p.add_argument("--older-than", type=float, default=0.0, metavar="SECONDS")
        p.set_defaults(handler=_dead_replay if name == "replay" else _dead_purge)

    p = sub.add_parser("purge-done", help="delete done messages older than the retention")
    p.add_argument("--older-than-days", type=float, default=7.0)
    p.set_defaults(handler=_purge_done)


def build_parser() -> argparse.ArgumentParser:
    """The ``onebox-bus`` argument parser."""
    parser = argparse.ArgumentParser(prog="onebox-bus", description=__doc__)
    parser.add_argument("--database-url", help="default: $ONEBOX_DATABASE_URL or ./var/onebox.db")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed bus command; returns the exit code."""
    url = args.database_url or default_database_url()
    try:
        return int(args.handler(url, args))
    except BusError as exc:
        print(f"onebox-bus: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``onebox-bus``."""
    return run(build_parser().parse_args(argv))


def _migrate(url: str, args: argparse.Namespace) -> int:
    if args.downgrade:
        downgrade(url, args.downgrade)
        print(f"downgraded to {args.downgrade}")
    else:
        upgrade(url)
        print("database at head")
    return 0


def _stats(url: str, args: argparse.Namespace) -> int:
    with Bus.from_url(url) as bus:
        stats = bus.stats()
    if args.json:
        out = {
            "topics": {
                t: {f: getattr(s, f) for f in s.__slots__}  # type: ignore[attr-defined]
                for t, s in stats.items()
            },
            "wal_bytes": stats.wal_bytes,
        }
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    rows = [("topic", "ready", "claimed", "done", "dead", "oldest ready")]
    for topic, s in stats.items():
        rows.append(
            (topic, *map(str, (s.ready, s.claimed, s.done, s.dead)), _age(s.oldest_ready_age_s))
        )
    _table(rows)
    print(f"\nWAL file: {stats.wal_bytes / 1024:.0f} KiB")
    return 0


def _dead_list(url: str, args: argparse.Namespace) -> int:
    with Bus.from_url(url) as bus:
        letters = bus.dead_letters(topic=args.topic, limit=args.limit)
    if args.json:
        out = [
            {
                "id": d.id,
                "topic": d.topic,
                "key": d.key,
                "correlation_id": d.correlation_id,
                "attempts": d.attempts,
                "error": d.error,
                "created_at": d.created_at,
            }
            for d in letters
        ]
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not letters:
        print("no dead letters")
        return 0
    rows = [("id", "topic", "attempts", "age", "error")]
    now = time.time()
    for d in letters:
        age = _age(now - (d.finished_at or d.created_at))
        rows.append((str(d.id), d.topic, str(d.attempts), age, (d.error or "")[:80]))
    _table(rows)
    return 0


def _selection(args: argparse.Namespace) -> list[int] | None:
    if args.ids:
        return list(args.ids)
    if not (args.all or args.topic):
        raise BusError("name message ids, or --topic, or --all")
    return None


def _dead_replay(url: str, args: argparse.Namespace) -> int:
    with Bus.from_url(url) as bus:
        count = bus.replay_dead(_selection(args), topic=args.topic)
    print(f"replayed {count} dead letter(s)")
    return 0


def _dead_purge(url: str, args: argparse.Namespace) -> int:
    with Bus.from_url(url) as bus:
        count = bus.purge_dead(_selection(args), topic=args.topic, older_than=args.older_than)
    print(f"purged {count} dead letter(s)")
    return 0


def _purge_done(url: str, args: argparse.Namespace) -> int:
    with Bus.from_url(url) as bus:
        count = bus.purge_done(older_than=args.older_than_days * 86400)
    print(f"purged {count} done message(s) older than {args.older_than_days:g} days")
    return 0


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
