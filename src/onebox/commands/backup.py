"""``onebox backup DEST``: a consistent online copy of the database.

DEST is a new file, or a folder (existing, or written with a trailing ``/``) that receives
``onebox-<UTC time>.db`` (``.dump`` on PostgreSQL); in a folder, ``--keep N`` then deletes
all but the newest N backups. Safe while the services run: ``VACUUM INTO`` (SQLite) and
``pg_dump`` (PostgreSQL, custom format, when it is on PATH) each read one snapshot. Restore
by stopping the services and putting the copy in place of ``onebox.db``, or with
``pg_restore`` (docs/operations.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from onebox._backup import (
    PG_SUFFIX,
    SUFFIX,
    BackupError,
    BackupResult,
    backup_name,
    backup_postgres,
    backup_sqlite,
    rotate,
    sqlite_path,
)
from onebox._doctor_postgres import is_postgres
from onebox.settings import database_url


def register(sub: Any) -> None:
    """Add ``backup`` to the ``onebox`` command."""
    p = sub.add_parser("backup", help="consistent online copy of the database")
    p.add_argument("dest", help="a new file, or a folder to hold onebox-<time>.db (.dump)")
    p.add_argument("--keep", type=int, metavar="N", help="in a folder: keep the newest N")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Make the backup; print where it went. Exit 1 with the reason when it fails."""
    url = database_url(args.database_url)
    dest = Path(args.dest)
    into_folder = dest.is_dir() or args.dest.endswith("/")
    if args.keep is not None and not into_folder:
        print("onebox backup: --keep needs a folder as DEST", file=sys.stderr)
        return 2
    postgres = is_postgres(url)
    suffix = PG_SUFFIX if postgres else SUFFIX
    try:
        if into_folder:
            dest.mkdir(parents=True, exist_ok=True)
            dest = dest / backup_name(dt.datetime.now(dt.UTC), suffix=suffix)
        result: BackupResult = (
            backup_postgres(url, dest) if postgres else backup_sqlite(sqlite_path(url), dest)
        )
        keep = args.keep
        removed = rotate(dest.parent, keep=keep, suffix=suffix) if keep is not None else ()
    except (BackupError, OSError) as exc:
        print(f"onebox backup: {exc}", file=sys.stderr)
        return 1
    checked = "archive readable by pg_restore" if postgres else "integrity ok"
    print(
        f"backup written to {result.path} ({result.size_bytes / 1e6:.1f} MB in "
        f"{result.seconds:.2f} s, {checked})"
    )
    for path in removed:
        print(f"removed old backup {path.name}")
    return 0
