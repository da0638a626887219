"""Copy every onebox table from one database to another: the move from SQLite to PostgreSQL.

Both databases must be migrated to the installed heads (`check_schema`), and every table of
the target must be empty, so a copy never mixes two histories. The copy reads the source in
one read transaction (one consistent snapshot) and writes the target in ONE transaction:
either everything arrives or nothing does. Rows keep their ids and states, so a message
that was waiting is waiting on the new database, one that was claimed is claimed until its
lease runs out and is then delivered again (at-least-once, as after any restart), and dead
letters stay dead. On PostgreSQL the id sequences are then moved past the copied ids.

The services must be stopped meanwhile: what they write after the snapshot is not copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from onebox_bus import Database, check_schema, combined_metadata
from sqlalchemy.engine import Connection

BATCH = 1000


class CopyError(Exception):
    """The copy was refused or failed; nothing was written. The message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyResult:
    """Rows copied per table, and the bus messages still to deliver among them."""

    rows: dict[str, int]
    undelivered: int


def copy_database(source_url: str, target_url: str) -> CopyResult:
    """Copy every table of `source_url` into the empty, migrated `target_url`.

    Raises:
        CopyError: a database is not at the installed heads, or the target holds rows.
    """
    for role, url in (("source", source_url), ("target", target_url)):
        try:
            check_schema(url)
        except Exception as exc:  # noqa: BLE001 - every reason is reported the same way
            raise CopyError(f"the {role} database is not ready: {exc}") from None
    metadata = combined_metadata()
    source = Database(source_url, readonly=True)
    target = Database(target_url)
    try:
        with source.engine.connect() as read, target.engine.begin() as write:
            busy = [t.name for t in metadata.sorted_tables if _count(write, t)]
            if busy:
                raise CopyError(
                    "the target database already holds rows in "
                    f"{', '.join(busy)}: copy only into a freshly migrated database"
                )
            rows = {t.name: _copy_table(read, write, t) for t in metadata.sorted_tables}
            if write.dialect.name == "postgresql":
                for table in metadata.sorted_tables:
                    _advance_sequence(write, table)
            undelivered = write.execute(
                sa.text("SELECT count(*) FROM bus_messages WHERE state NOT IN ('done', 'dead')")
            ).scalar_one()
    finally:
        source.close()
        target.close()
    return CopyResult(rows=rows, undelivered=int(undelivered))


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _copy_table(read: Connection, write: Connection, table: sa.Table) -> int:
    copied = 0
    result = read.execution_options(yield_per=BATCH).execute(sa.select(table))
    for batch in result.mappings().partitions(BATCH):
        write.execute(table.insert(), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def _advance_sequence(write: Connection, table: sa.Table) -> None:
    """Make the next generated id follow the copied ones (PostgreSQL keeps its own counter)."""
    for column in table.primary_key.columns:
        if column.autoincrement is not True and not (
            column.autoincrement == "auto"
            and len(table.primary_key.columns) == 1
            and isinstance(column.type, sa.Integer)
        ):
            continue
        sequence = write.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar_one()
        if sequence is None:
            continue
        write.execute(
            sa.text(
                f"SELECT setval(:sequence, COALESCE((SELECT max({column.name}) FROM "
                f"{table.name}), 0) + 1, false)"
            ),
            {"sequence": sequence},
        )
