"""``onebox eval FILE.jsonl``: how the router's cache and classifier do on a labelled set.

Replays each row as the first message of a new chat (every row once, then Zipf-like repeats)
through the configured routing policy with in-process fake providers, and prints exact-repeat
and paraphrase hits, false hits, personal leaks, label accuracy, cost and latency. Exits 1 when
a false hit or a personal leak happened, 2 when the file cannot be read. What a business runs
on its own messages before going live (docs/router.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import anyio
import orjson
import structlog

from onebox._eval import EvalError, evaluate, load_faqs, load_rows, render


def register(sub: Any) -> None:
    """Add ``eval`` to the ``onebox`` command."""
    p = sub.add_parser("eval", help="replay a labelled message set through the router")
    p.add_argument("file", type=Path, help="JSON lines: text, intent/group, label, personal, lang")
    p.add_argument("--seed", type=int, default=16, help="shuffle and draw seed (default 16)")
    p.add_argument("--repeats", type=int, default=500, help="pass-2 draws (default 500)")
    p.add_argument("--business", action="append", metavar="NAME", help="only rows of this business")
    p.add_argument(
        "--faq", type=Path, metavar="DIR",
        help="folder of FAQs named <business>.md: anchors each business's cache on its FAQ",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Replay the file; 1 on a false hit or a personal leak, 2 on an unreadable file."""
    try:
        rows = load_rows(args.file)
    except EvalError as exc:
        print(f"onebox eval: {exc}", file=sys.stderr)
        return 2
    if args.business:
        rows = [row for row in rows if row.business in set(args.business)]
        if not rows:
            print("onebox eval: no row of the given --business", file=sys.stderr)
            return 2
    try:
        faqs = load_faqs(args.faq, {row.business for row in rows}) if args.faq else None
    except EvalError as exc:
        print(f"onebox eval: {exc}", file=sys.stderr)
        return 2
    # One log line per reply would bury the report (and message text stays out of logs).
    previous = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        report = anyio.run(lambda: evaluate(rows, seed=args.seed, repeats=args.repeats, faqs=faqs))
    finally:
        structlog.configure(**previous)
    if args.json:
        print(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(render(report))
    return 1 if report.failed else 0
