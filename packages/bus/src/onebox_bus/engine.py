"""SQLAlchemy engines on the shared database, with the bus's SQLite settings on every connection.

Packages that own tables (metrics, router) and the migrations use these engines; the bus's own
hot path uses raw connections (`_dialect`). On SQLite every connection gets WAL,
``synchronous=NORMAL``, ``busy_timeout`` and ``foreign_keys=ON``, and every transaction starts
with ``BEGIN IMMEDIATE`` so it never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import contextlib
from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from . import _dialect
from .errors import BusUnavailable


def normalise_url(url: str) -> URL:
    """The URL with the driver onebox installs (``postgresql`` -> ``postgresql+psycopg``)."""
    dialect = _dialect.parse_url(url)
    parsed = dialect.url
    if dialect.kind == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(
    url: str, *, busy_timeout: float = 5.0, readonly: bool = False, **options: Any
) -> Engine:
    """An engine on the shared database with onebox's connection settings applied.

    On SQLite, transactions start with ``BEGIN IMMEDIATE`` (the write lock up front) unless
    the engine is ``readonly`` (plain deferred ``BEGIN``: readers never wait for writers in
    WAL mode). A single connection can ask for a deferred read transaction with
    ``conn.execution_options(onebox_begin="DEFERRED")``.

    Raises:
        ConfigError: bad URL, or a SQLite path whose folder cannot be created.
    """
    dialect = _dialect.parse_url(url)
    if dialect.kind == "sqlite":
        # Creates the folder and proves the file can be written, naming the path if not; a
        # file locked by a writer right now is fine (busy_timeout covers the wait).
        with contextlib.suppress(BusUnavailable):
            _dialect.connect(dialect, busy_timeout=busy_timeout).close()
        engine = sqlalchemy.create_engine(
            normalise_url(url),
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
            **options,
        )
        _sqlite_events(engine, busy_timeout=busy_timeout, readonly=readonly)
        return engine
    return sqlalchemy.create_engine(normalise_url(url), pool_pre_ping=True, **options)


def _sqlite_events(engine: Engine, *, busy_timeout: float, readonly: bool) -> None:
    default_begin = "DEFERRED" if readonly else "IMMEDIATE"

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
        mode = conn.get_execution_options().get("onebox_begin", default_begin)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
