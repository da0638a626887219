"""SQLAlchemy Core statements compiled once and run on the database driver's own cursor.

Every message the orchestrator answers reads its conversation and the cache and writes two
turns and the conversation's row. Through `Connection.execute`, each of those statements pays
SQLAlchemy's execution context (tens of microseconds of Python per call, even with the
compiled form cached): on the orchestrator's cache-hit path that was most of what the
one-database-layer redesign added. A `Compiled` statement keeps the SQL written in Core, in
one style with the rest, but compiles it once per dialect and hands the SQL string and the
parameters straight to the driver's cursor beneath the connection, in the same transaction.

Only statements whose parameters and result columns need no conversion by SQLAlchemy qualify
(strings, numbers, NULL): a column type with a bind or result processor (JSON, Boolean on
SQLite, DateTime...; floats aside) is refused when the statement is built, so nothing is ever
stored or read differently from `Connection.execute`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import Float
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import TypeEngine

Kind = Literal["sqlite", "postgresql"]

#: The drivers' own parameter styles: ``:name`` for sqlite3, ``%(name)s`` for psycopg.
_DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(paramstyle="named"),
    "postgresql": postgresql.psycopg.dialect(paramstyle="pyformat"),  # type: ignore[no-untyped-call]
}


def _processor(kind: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether SQLAlchemy converts a value of this type before the driver sees it."""
    return kind.dialect_impl(dialect).bind_processor(dialect) is not None


def _float(kind: TypeEngine[Any]) -> bool:
    """A float column: its processor only turns an int or a Decimal into a float, which both
    databases do themselves (SQLite's REAL affinity, PostgreSQL's cast to double precision)."""
    return isinstance(kind, Float) and not kind.asdecimal


class Compiled:
    """One Core statement, compiled for `kind`, run on the cursor beneath a `Connection`.

    Args:
        statement: the Core statement (insert, upsert, select...).
        kind: ``sqlite`` or ``postgresql`` (`Database.kind`).
        columns: for an INSERT without ``values()``, the columns its parameters give (the
            others take their defaults), as `Connection.execute` infers from the first row.

    Raises:
        TypeError: a parameter or a selected column needs SQLAlchemy's type conversion.
    """

    __slots__ = ("defaults", "sql")

    def __init__(
        self, statement: ClauseElement, kind: Kind, *, columns: Sequence[str] | None = None
    ) -> None:
        dialect = _DIALECTS[kind]
        compiled: SQLCompiler = statement.compile(  # type: ignore[assignment]
            dialect=dialect,
            column_keys=list(columns) if columns is not None else None,
            for_executemany=True,  # no RETURNING of the new row's key
        )
        for name, bind in compiled.binds.items():
            if _processor(bind.type, dialect) and not _float(bind.type):
                raise TypeError(f"parameter {name!r} ({bind.type!r}) needs conversion")
        if isinstance(statement, Select):
            for column in statement.selected_columns:
                impl = column.type.dialect_impl(dialect)
                if not _float(column.type) and impl.result_processor(dialect, None) is not None:
                    raise TypeError(f"column {column.name!r} ({column.type!r}) needs conversion")
        self.sql = str(compiled)
        # Parameters the statement fills itself (SQLite's ``OFFSET 0`` after a bound LIMIT).
        self.defaults = {
            name: value for name, value in compiled.params.items() if value is not None
        }

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run it once on `conn`'s transaction; the driver's cursor (for ``fetchone``...)."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, {**self.defaults, **params} if self.defaults else params)
        return cursor

    def executemany(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run it for each of `rows` on `conn`'s transaction."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        defaults = self.defaults
        cursor.executemany(
            self.sql, [{**defaults, **row} for row in rows] if defaults else list(rows)
        )

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Its result rows (a select), as tuples."""
        rows: list[tuple[Any, ...]] = self.execute(conn, params).fetchall()
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Its first result row, or None."""
        row: tuple[Any, ...] | None = self.execute(conn, params).fetchone()
        return row

    @classmethod
    def both(
        cls, statement: ClauseElement, *, columns: Sequence[str] | None = None
    ) -> dict[str, Compiled]:
        """`statement` compiled for each dialect, by `Database.kind`."""
        return {kind: cls(statement, kind, columns=columns) for kind in ("sqlite", "postgresql")}
