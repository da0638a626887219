"""``onebox copy-database TARGET_URL``: copy the whole database into a new one (to PostgreSQL).

The source is ``--database-url`` (default ``$ONEBOX_DATABASE_URL`` or ``./var/onebox.db``).
Migrate the target first (``onebox --database-url TARGET_URL migrate``) and stop the
services: the copy takes one snapshot of the source, refuses a target that holds any row,
and writes everything in one transaction, undelivered messages included (docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.engine import make_url

from onebox._copy import CopyError, copy_database
from onebox.settings import database_url


def register(sub: Any) -> None:
    """Add ``copy-database`` to the ``onebox`` command."""
    p = sub.add_parser(
        "copy-database",
        help="copy every table into a new, migrated, empty database (e.g. PostgreSQL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", help="the new database's URL (postgresql+psycopg://...)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Copy; print the rows per table. Exit 1 with the reason when refused or failed."""
    source = database_url(args.database_url)
    try:
        result = copy_database(source, args.target)
    except CopyError as exc:
        print(f"onebox copy-database: {exc}", file=sys.stderr)
        return 1
    for table, count in result.rows.items():
        print(f"{table:<26} {count:>9} rows")
    shown = make_url(args.target).render_as_string(hide_password=True)
    print(
        f"copied into {shown}; {result.undelivered} message(s) still to deliver there. "
        "Point ONEBOX_DATABASE_URL at it and start the services."
    )
    return 0
