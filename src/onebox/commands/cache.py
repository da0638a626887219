"""``onebox cache list | show KEY | forget KEY | clear``: the router's cached answers.

The response cache (table ``router_cache``) keeps answers to questions that were safe to
reuse, under the question's normalised words (never the customer's own text). A wrong answer
is removed with ``forget`` (KEY is the row's id from ``list``, or its 64-character key); a
running orchestrator never serves a deleted row again. ``clear`` deletes every row and says
how many went. ``list --by reuse`` lists the most served answers first, with how many times
each was served. Exit codes: 0 done, 1 unknown row or unusable database, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from onebox_router import CacheAdmin, CachedAnswer

from onebox._database import CommandError, owner_database

PREVIEW = 60


def register(sub: Any) -> None:
    """Add ``onebox cache`` and its subcommands."""
    p = sub.add_parser("cache", help="list, show, forget or clear cached answers",
                       description=__doc__)  # fmt: skip
    cache = p.add_subparsers(dest="cache_command", required=True)
    listing = cache.add_parser("list", help="the live cached answers, newest first")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listing.add_argument("--by", choices=("newest", "reuse"), default="newest",
                         help="order: newest first (default) or most reused first")  # fmt: skip
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)
    show = cache.add_parser("show", help="one cached answer in full")
    show.add_argument("key", help="the row's id (from `list`) or its key")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=run_show)
    forget = cache.add_parser("forget", help="delete one cached answer")
    forget.add_argument("key", help="the row's id (from `list`) or its key")
    forget.set_defaults(handler=run_forget)
    clear = cache.add_parser("clear", help="delete every cached answer")
    clear.set_defaults(handler=run_clear)


def _as_dict(row: CachedAnswer) -> dict[str, object]:
    return {
        "id": row.id,
        "key": row.key,
        "tokens": list(row.tokens),
        "answer": row.answer,
        "provider": row.provider,
        "model": row.model,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "reuse_count": row.reuse_count,
    }


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def _fail(message: str, code: int) -> int:
    print(f"onebox cache: {message}", file=sys.stderr)
    return code


def _checked_key(key: str) -> str | None:
    """Why `key` names no row (None when it could): an id or a 64-character hex key."""
    key = key.strip().lower()
    if key.isdigit() or (len(key) == 64 and all(c in "0123456789abcdef" for c in key)):
        return None
    return f"{key!r} is neither a row id nor a 64-character key (see `onebox cache list`)"


def run_list(args: argparse.Namespace) -> int:
    """Print the live rows: 0, 1 when the database cannot be used, 2 on a bad limit."""
    if args.limit < 1:
        return _fail("--limit must be at least 1", 2)
    try:
        with owner_database(args) as (db, _settings):
            rows = CacheAdmin(db, clock=time.time).list(limit=args.limit, by=args.by)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if args.json:
        print(orjson.dumps([_as_dict(r) for r in rows]).decode())
        return 0
    if not rows:
        print("The cache holds no live answer.")
    for row in rows:
        answer = " ".join(row.answer.split())
        answer = answer if len(answer) <= PREVIEW else answer[: PREVIEW - 1] + "…"
        words = " ".join(row.tokens)[:40]
        print(f"[{row.id}] {row.provider:<8} x{row.reuse_count:<5} until "
              f"{_when(row.expires_at)} UTC  {words:<40}  {answer}")  # fmt: skip
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one row: 0, 1 unknown row (or database unusable), 2 malformed key."""
    if (why := _checked_key(args.key)) is not None:
        return _fail(why, 2)
    try:
        with owner_database(args) as (db, _settings):
            row = CacheAdmin(db, clock=time.time).get(args.key)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if row is None:
        return _fail(f"no cached answer {args.key} (see `onebox cache list`)", 1)
    if args.json:
        print(orjson.dumps(_as_dict(row)).decode())
        return 0
    print(f"id:        {row.id}\nkey:       {row.key}\nwords:     {' '.join(row.tokens)}\n"
          f"provider:  {row.provider} ({row.model})\n"
          f"stored:    {_when(row.created_at)} UTC\nexpires:   {_when(row.expires_at)} UTC\n"
          f"served:    {row.reuse_count} time(s)\n"
          f"answer:\n{row.answer}")  # fmt: skip
    return 0


def run_forget(args: argparse.Namespace) -> int:
    """Delete one row: 0 deleted, 1 unknown row (or database unusable), 2 malformed key."""
    if (why := _checked_key(args.key)) is not None:
        return _fail(why, 2)
    try:
        with owner_database(args) as (db, _settings):
            deleted = CacheAdmin(db, clock=time.time).forget(args.key)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if not deleted:
        return _fail(f"no cached answer {args.key} (see `onebox cache list`)", 1)
    print(f"cached answer {args.key} deleted; the next such question is answered afresh")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    """Delete every row and print how many went: 0, or 1 when the database cannot be used."""
    try:
        with owner_database(args) as (db, _settings):
            deleted = CacheAdmin(db, clock=time.time).clear()
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    print(f"{deleted} cached answer(s) deleted")
    return 0
