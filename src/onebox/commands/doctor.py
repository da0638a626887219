"""``onebox doctor``: the production readiness checklist, run against this machine.

Checks WAL mode, that the database is writable and migrated, disk space, each enabled
channel's settings and secrets, the credential files' permissions, the installed units and
their limits, the timers, the webhook routes on loopback, the metrics textfile folder and the
clock. Prints one line per check (ok / warn / FAIL) with the fix, and exits 1 on any fail.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from onebox._backup import BackupError, sqlite_path
from onebox._doctor_checks import (
    Check,
    Enabled,
    Paths,
    check_clock,
    check_database,
    check_disk,
    check_secret_permissions,
    check_settings,
    check_textfile,
    check_timers,
    check_units,
    check_webhooks,
)
from onebox._doctor_runtime import check_runtime
from onebox.settings import database_url


def register(sub: Any) -> None:
    """Add ``doctor`` to the ``onebox`` command."""
    p = sub.add_parser("doctor", help="production readiness checklist (exit 1 on a failure)")
    p.add_argument("--etc-dir", type=Path, default=Path("/etc/onebox"))
    p.add_argument("--unit-dir", type=Path, default=Path("/etc/systemd/system"))
    p.add_argument("--textfile-dir", type=Path, default=Path("/var/lib/onebox-metrics"))
    p.add_argument("--systemctl", default="systemctl", help="command asked about the timers")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run every check, print them, return 1 if any failed."""
    url = database_url(args.database_url)
    try:
        database = sqlite_path(url)
    except BackupError as exc:
        print(f"onebox doctor: {exc}", file=sys.stderr)
        return 2
    paths = Paths(
        database=database,
        etc_dir=args.etc_dir,
        unit_dir=args.unit_dir,
        textfile_dir=args.textfile_dir,
        systemctl=tuple(shlex.split(args.systemctl)),
    )
    enabled = Enabled.find(paths)
    checks: list[Check] = []
    for group in (
        check_database(paths, url),
        check_disk(paths),
        check_settings(paths, enabled),
        check_secret_permissions(paths),
        check_units(paths, enabled),
        check_timers(paths),
        check_webhooks(paths, enabled),
        check_textfile(paths),
        check_clock(paths),
        check_runtime(paths, url),
    ):
        checks.extend(group)
    report(checks)
    return 1 if any(c.status == "fail" for c in checks) else 0


def report(checks: Iterable[Check]) -> None:
    """One line per check, the fix indented below each warning or failure."""
    counts = {"ok": 0, "warn": 0, "fail": 0}
    for check in checks:
        counts[check.status] += 1
        label = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[check.status]
        print(f"{label}  {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            print(f"      fix: {check.fix}")
    print(f"\n{counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} failure(s)")
