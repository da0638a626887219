"""SQLAlchemy engines on the shared database, with the bus's SQLite settings on every connection.

Packages that own tables (metrics, router) and the migrations use these engines; the bus's own
hot path uses raw connections (`_dialect`). On SQLite every connection gets WAL,
``synchronous=NORMAL``, ``busy_timeout`` and ``foreign_keys=ON``, and every transaction starts
with ``BEGIN IMMEDIATE`` so it never fails half-way on a lock upgrade.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from . import _dialect


def normalise_url(url: str) -> URL:
    """The URL with the driver onebox installs (``postgresql`` -> ``postgresql+psycopg``)."""
    dialect = _dialect.parse_url(url)
    parsed = dialect.url
    if dialect.kind == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str, *, busy_timeout: float = 5.0, **options: Any) -> Engine:
    """An engine on the shared database with onebox's connection settings applied.

    Raises:
        ConfigError: bad URL, or a SQLite path whose folder cannot be created.
    """
    dialect = _dialect.parse_url(url)
    if dialect.kind == "sqlite":
        _dialect.connect(dialect, busy_timeout=busy_timeout).close()  # creates and checks it
        engine = sqlalchemy.create_engine(
            normalise_url(url),
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
            **options,
        )
        _sqlite_events(engine, busy_timeout=busy_timeout)
        return engine
    return sqlalchemy.create_engine(normalise_url(url), pool_pre_ping=True, **options)


def _sqlite_events(engine: Engine, *, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python 3.11's sqlite3 opens DEFERRED transactions on its own; take that over.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
