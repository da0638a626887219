"""``onebox purge``: run every retention rule once, now (for cron and PM2 set-ups).

The orchestrator already runs these rules every ``ONEBOX_RETENTION_EVERY_SECONDS`` (an
hour); this command runs the same ones (the same ``ONEBOX_*_RETENTION_DAYS`` settings) from
a timer or by hand, in the same short batches, and prints how many rows each deleted.
Expired cache answers are deleted from the database; a running orchestrator drops them from
its in-memory index at its own next purge.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import orjson
from onebox_bus import BusError, Database
from onebox_orchestrator.retention import all_purges
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_service import SettingsError, build_settings
from onebox_service.retention import run_purges


def register(subparsers: Any) -> None:
    """Add ``onebox purge``."""
    p = subparsers.add_parser("purge", help="delete rows past their retention now",
                              description=__doc__)  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    """Run every rule once: 0 when all ran, 1 when the database could not be used."""
    try:
        settings = build_settings(OrchestratorSettings)
    except SettingsError as exc:
        print(f"onebox purge: {exc}", file=sys.stderr)
        return 2
    url = args.database_url or settings.database_url
    try:
        with Database(url, busy_timeout=settings.busy_timeout_seconds) as db:
            purges = all_purges(db, settings, clock=time.time)
            deleted = run_purges(purges)
    except BusError as exc:
        print(f"onebox purge: {exc}", file=sys.stderr)
        return 1
    failed = [p.name for p in purges if p.name not in deleted]
    if args.json:
        sys.stdout.write(orjson.dumps({"deleted": deleted, "failed": failed}).decode() + "\n")
    else:
        for purge in purges:
            count = deleted.get(purge.name)
            kept = "expired" if purge.days == 0 else f"older than {purge.days:g} days"
            shown = "FAILED (see the log)" if count is None else f"{count} rows"
            print(f"{purge.name:<26} {kept:<22} {shown}")
    return 1 if failed else 0
