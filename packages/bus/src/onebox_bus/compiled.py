"""SQLAlchemy Core statements compiled once and run on the database driver's own cursor.

Every message the orchestrator answers reads its conversation and the cache and writes two
turns and the conversation's row. Through `Connection.execute`, each of those statements pays
SQLAlchemy's execution context (tens of microseconds of Python per call, even with the
compiled form cached): on the orchestrator's cache-hit path that was most of what the
one-database-layer redesign added. A `Compiled` statement keeps the SQL written in Core, in
one style with the rest, but compiles it once per dialect and hands the SQL string and the
parameters straight to the driver's cursor beneath the connection, in the same transaction.

A parameter whose type SQLAlchemy converts before the driver sees it (Boolean, JSON,
DateTime...) goes through that type's own bind processor, the one `Connection.execute` would
call, so nothing is stored differently. Result rows are handed back as the driver returns
them: a selected column whose type converts what it reads (Boolean on SQLite, JSON...; floats
aside) is refused when the statement is built, so nothing is read differently either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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
        TypeError: a selected column needs SQLAlchemy's type conversion when read.
    """

    __slots__ = ("converters", "defaults", "sql")

    def __init__(
        self, statement: ClauseElement, kind: Kind, *, columns: Sequence[str] | None = None
    ) -> None:
        dialect = _DIALECTS[kind]
        compiled: SQLCompiler = statement.compile(  # type: ignore[assignment]
            dialect=dialect,
            column_keys=list(columns) if columns is not None else None,
            for_executemany=True,  # no RETURNING of the new row's key
        )
        #: Each converted parameter's bind processor, as `Connection.execute` applies it.
        self.converters: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None and not _float(bind.type):
                self.converters[name] = convert
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

    def _params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        if self.defaults:
            params = {**self.defaults, **params}
        if self.converters:
            params = dict(params)
            for name, convert in self.converters.items():
                if name in params:
                    params[name] = convert(params[name])
        return params

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run it once on `conn`'s transaction; the driver's cursor (for ``fetchone``...)."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, self._params(params))
        return cursor

    def executemany(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run it for each of `rows` on `conn`'s transaction."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if self.defaults or self.converters:
            cursor.executemany(self.sql, [self._params(row) for row in rows])
        else:
            cursor.executemany(self.sql, list(rows))

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
