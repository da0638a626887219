"""``onebox status``: services, queues, dead letters, cache and spend on one screen.

Exits 1 when a service is unreachable or unhealthy, the database cannot be read, or a
message has waited for more than five minutes; ``--json`` prints the same report as JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from onebox._stack import read_state, service_urls
from onebox._status import collect, render
from onebox.settings import EnvFileError, load_onebox_settings

from .up import DEFAULT_STATE_FILE, SERVICES


def register(subparsers: Any) -> None:
    """Add ``onebox status``."""
    p = subparsers.add_parser("status", help="health, queues, dead letters, cache and spend",
                              description=__doc__)  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--url", action="append", default=[], metavar="NAME=URL",
                   help="a service's URL (default: the running `onebox up`'s)")  # fmt: skip
    p.add_argument("--only", default=None, metavar="NAMES",
                   help="check only these (default: those `onebox up` runs)")  # fmt: skip
    p.add_argument("--env-file", type=Path, default=Path(".env"))
    p.add_argument("--state-file", type=Path, default=DEFAULT_STATE_FILE, help=argparse.SUPPRESS)
    p.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace) -> int:
    """Print the report; 0 when everything is healthy."""
    try:
        settings = load_onebox_settings(args.env_file)
        urls = service_urls(args.state_file, args.url)
    except (EnvFileError, ValueError) as exc:
        print(f"onebox status: {exc}", file=sys.stderr)
        return 2
    state = read_state(args.state_file)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        unknown = wanted - set(SERVICES)
        if unknown:
            print(f"onebox status: unknown service {sorted(unknown)}", file=sys.stderr)
            return 2
    elif (
        state is not None
        and not state.get("stopped")
        and isinstance(services := state.get("services"), dict)
    ):
        wanted = set(services)
    else:
        wanted = set(urls)
    report = collect(
        database_url=args.database_url or settings.database_url,
        urls={name: url for name, url in urls.items() if name in wanted},
        state=state,
    )
    if args.json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(render(report))
    return 0 if report["healthy"] else 1
