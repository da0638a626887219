"""Test helpers shipped with the bus: a controllable clock and a migrated bus on a temp file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import pool

from .bus import Bus
from .migrate import upgrade


class FakeClock:
    """A clock that only moves when told to: ``clock()`` returns the current fake time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move time forward; returns the new time."""
        self.now += seconds
        return self.now


def migrated_sqlite(path: Path, *, template: Path | None = None) -> str:
    """Create a migrated SQLite file at `path` (copied from `template` when given); its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    if template is not None and template.exists():
        shutil.copyfile(template, path)
    else:
        upgrade(url)
    return url


def migrated_postgres(base_url: str, schema: str) -> str:
    """A URL on a fresh, migrated `schema` of the PostgreSQL database at `base_url`.

    The schema is dropped and created again, so a test session starts from nothing; the
    returned URL sets ``search_path`` to it.
    """
    from sqlalchemy import text

    from ._engine import normalise_url
    from .database import Database

    url = normalise_url(base_url)
    with Database(url.render_as_string(hide_password=False)) as db, db.transaction() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = scoped.render_as_string(hide_password=False)
    upgrade(rendered)
    return rendered


class PostgresTestSchema:
    """One migrated PostgreSQL schema for a whole test session, emptied before each test.

    Migrating takes a second or two; emptying the tables (``DELETE`` child tables first,
    then restarting every sequence) takes a few milliseconds, so each test starts from an
    empty, migrated schema as if it had its own. A test that changed the schema itself (a
    downgrade, a dropped table) is noticed at the next `reset`, which migrates again.
    """

    def __init__(self, base_url: str, schema: str) -> None:
        self.base_url = base_url
        self.schema = schema
        self._migrate()

    def _migrate(self) -> None:
        self.url = migrated_postgres(self.base_url, self.schema)
        self._engine = sqlalchemy.create_engine(self.url, poolclass=pool.NullPool)
        self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        # A test that left a transaction open fails the next reset clearly, not by hanging.
        self._conn.exec_driver_sql("SET lock_timeout = '10s'")
        self._shape = self._read_shape()
        self._empty = self._emptying_sql()

    def _read_shape(self) -> tuple[str, ...]:
        rows = self._conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " UNION ALL SELECT 'version:' || version_num FROM alembic_version"
            " UNION ALL SELECT 'trigger:' || t.tgname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            " ORDER BY 1"
        )
        return tuple(str(row[0]) for row in rows)

    def _emptying_sql(self) -> str:
        metadata = sqlalchemy.MetaData()
        metadata.reflect(self._conn)
        tables = [t.name for t in reversed(metadata.sorted_tables) if t.name != "alembic_version"]
        sequences = [
            str(row[0])
            for row in self._conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )
        ]
        statements = [f'DELETE FROM "{name}"' for name in tables]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        return "; ".join(statements)

    def reset(self) -> str:
        """Empty every table (migrating again if a test changed the schema); the URL."""
        if self._read_shape() != self._shape:
            self.close()
            self._migrate()
            return self.url
        self._conn.exec_driver_sql(self._empty)
        return self.url

    def close(self) -> None:
        """Close the session's own connection (the schema stays for inspection)."""
        self._conn.close()
        self._engine.dispose()


def refuse_inserts(conn: sqlalchemy.Connection, table: str, *, when: str | None = None) -> None:
    """Make `table` refuse new rows (as a full disk would), on SQLite or PostgreSQL.

    `when` is a condition on ``NEW`` (``"NEW.step = 'poison'"``) limiting the refusal.
    """
    name = f"refuse_{table}"
    if conn.dialect.name == "sqlite":
        condition = f" WHEN {when}" if when else ""
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table}{condition}"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        return
    condition = f" WHEN ({when})" if when else ""
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION onebox_refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW{condition}"
        " EXECUTE FUNCTION onebox_refuse()"
    )


def allow_inserts(conn: sqlalchemy.Connection, table: str) -> None:
    """Undo `refuse_inserts` on `table`."""
    on = "" if conn.dialect.name == "sqlite" else f" ON {table}"
    conn.exec_driver_sql(f"DROP TRIGGER refuse_{table}{on}")


def make_test_bus(path: Path, **options: Any) -> Bus:
    """A bus on a freshly migrated SQLite file at `path`."""
    return Bus.from_url(migrated_sqlite(path), **options)


def sqlite_file(url: str) -> Path:
    """The file of a ``sqlite:///`` URL."""
    return Path(url.removeprefix("sqlite:///"))
