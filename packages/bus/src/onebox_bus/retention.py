"""Age-based purges of the shared database in small batches, each its own short transaction.

A retention purge must never hold the single SQLite write lock for long (a webhook waiting
behind it would be answered 503), so `purge_before` deletes at most `batch` rows per
transaction and goes round until a batch comes back short. Rows are picked by the storage's
own row address (``rowid`` on SQLite, ``ctid`` on PostgreSQL), so any table can be purged by
one time column whatever its primary key. Freed SQLite pages are reused by later inserts, so
a table purged on a schedule stops growing without ``VACUUM``.

Table and column names are the owners' constants, never input.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from .database import Database

DAY = 86400.0
DEFAULT_BATCH = 1000
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def purge_before(
    db: Database,
    table: str,
    column: str,
    cutoff: float,
    *,
    batch: int = DEFAULT_BATCH,
    where: str = "",
) -> int:
    """Delete rows of `table` whose `column` is before `cutoff`, `batch` at a time.

    `where` adds a condition (SQL on the table's own columns, e.g. ``state = 'done'``).
    Returns how many rows were deleted.

    Raises:
        BusUnavailable: the database could not take a batch (the purge stops there; the
            next run goes on).
    """
    if not (_NAME.match(table) and _NAME.match(column)):
        raise ValueError(f"not a table/column name: {table!r}.{column!r}")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    cond = f"{column} < :cutoff" + (f" AND ({where})" if where else "")
    if db.sqlite:
        sql = (
            f"DELETE FROM {table} WHERE rowid IN ("
            f"SELECT rowid FROM {table} WHERE {cond} LIMIT :limit)"
        )
    else:
        sql = (
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
            f"SELECT ctid FROM {table} WHERE {cond} LIMIT :limit))"
        )
    statement = text(sql)
    params: dict[str, Any] = {"cutoff": cutoff, "limit": batch}
    total = 0
    while True:
        deleted = db.write(lambda conn: int(conn.execute(statement, params).rowcount or 0))
        total += deleted
        if deleted < batch:
            return total


def oldest(db: Database, table: str, column: str) -> float | None:
    """The smallest `column` of `table` (None when empty): how far back the table reaches."""
    if not (_NAME.match(table) and _NAME.match(column)):
        raise ValueError(f"not a table/column name: {table!r}.{column!r}")
    value = db.read(lambda conn: conn.execute(text(f"SELECT min({column}) FROM {table}")).scalar())
    return None if value is None else float(value)
