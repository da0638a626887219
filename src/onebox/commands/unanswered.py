"""``onebox unanswered``: the questions the bot could not answer, grouped, most asked first.

The same groups as the dashboard's Unanswered page (`onebox_orchestrator.questions`):
paraphrases share a group; each shows how often it was asked, when first and last, and its
newest wording. Only questions still kept (``ONEBOX_HISTORY_RETENTION_DAYS``) count. The
owner answers a group on the dashboard, or with ``onebox faq add --question Q --answer A``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from onebox_bus import BusError, Database
from onebox_orchestrator.questions import QuestionGroups
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_service import SettingsError, build_settings


def register(subparsers: Any) -> None:
    """Add ``onebox unanswered``."""
    p = subparsers.add_parser(
        "unanswered", help="questions the bot could not answer, grouped", description=__doc__
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--answered", action="store_true", help="the groups already answered")
    p.add_argument("--limit", type=int, default=50, help="at most this many groups (default 50)")
    p.set_defaults(handler=run_unanswered)


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def run_unanswered(args: argparse.Namespace) -> int:
    """Print the groups: 0 on success, 1 when the database cannot be read, 2 on bad settings."""
    if not 1 <= args.limit <= 10_000:
        print("onebox unanswered: --limit must be between 1 and 10000", file=sys.stderr)
        return 2
    try:
        settings = build_settings(OrchestratorSettings)
    except SettingsError as exc:
        print(f"onebox unanswered: {exc}", file=sys.stderr)
        return 2
    url = args.database_url or settings.database_url
    try:
        with Database(url, busy_timeout=settings.busy_timeout_seconds) as db:
            questions = QuestionGroups(
                db, retention=settings.history_retention_days * 86400.0, clock=time.time
            )
            groups = questions.listing(answered=args.answered, limit=args.limit)
    except BusError as exc:
        print(f"onebox unanswered: {exc}", file=sys.stderr)
        return 1
    if args.json:
        body = {"groups": [g.as_json() for g in groups]}
        sys.stdout.write(orjson.dumps(body).decode() + "\n")
        return 0
    if not groups:
        print("No answered questions." if args.answered else "No unanswered questions.")
        return 0
    print(f"{'group':>6} {'asked':>6}  {'first seen':<16}  {'last seen':<16}  example")
    for g in groups:
        example = " ".join(g.example.split())
        example = example if len(example) <= 70 else example[:69] + "…"
        print(f"{g.id:>6} {g.count:>6}  {_when(g.first_at):<16}  {_when(g.last_at):<16}  {example}")
    return 0
