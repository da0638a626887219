"""What differs between SQLite and PostgreSQL: connecting, pragmas, transactions, error classes.

Connections are raw DB-API connections in autocommit mode; the bus opens its own transactions
(`BEGIN IMMEDIATE` on SQLite, so the write lock is taken up front and a transaction never
fails half-way on a lock upgrade). Statements use ``:name`` parameters, rewritten here for
psycopg.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from . import _sql
from .errors import BusUnavailable, ConfigError

Kind = Literal["sqlite", "postgresql"]


class Cursor(Protocol):
    """The part of a DB-API cursor the bus uses."""

    rowcount: int

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection the bus uses."""

    def cursor(self) -> Any: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """How to talk to one kind of database."""

    kind: Kind
    url: URL
    begin: str
    claim: str

    def sql(self, statement: str) -> str:
        """The statement with this dialect's parameter style."""
        return _paramstyle(self.kind, statement)


def parse_url(url: str) -> Dialect:
    """Check a database URL and describe its dialect.

    Raises:
        ConfigError: the URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"ONEBOX_DATABASE_URL is not a database URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ConfigError(
                "ONEBOX_DATABASE_URL must name a SQLite file (sqlite:///path/onebox.db): "
                "an in-memory database cannot be shared between processes"
            )
        return Dialect("sqlite", parsed, "BEGIN IMMEDIATE", _sql.CLAIM_SQLITE)
    if backend == "postgresql":
        return Dialect("postgresql", parsed, "BEGIN", _sql.CLAIM_POSTGRES)
    raise ConfigError(
        f"ONEBOX_DATABASE_URL names an unsupported database {backend!r}: use sqlite or postgresql"
    )


@lru_cache(maxsize=256)
def _paramstyle(kind: Kind, statement: str) -> str:
    if kind == "sqlite":
        return statement
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement)


def sqlite_path(dialect: Dialect) -> Path:
    """The SQLite file's path (relative paths are relative to the working directory)."""
    assert dialect.url.database is not None
    return Path(dialect.url.database)


def connect(dialect: Dialect, *, busy_timeout: float) -> Any:
    """Open one autocommit connection with the bus's settings applied.

    Raises:
        ConfigError: the SQLite file's folder cannot be created or the file cannot be written.
        BusUnavailable: the database server cannot be reached.
    """
    if dialect.kind == "sqlite":
        return _connect_sqlite(sqlite_path(dialect), busy_timeout=busy_timeout)
    return _connect_postgres(dialect.url, busy_timeout=busy_timeout)


def _connect_sqlite(path: Path, *, busy_timeout: float) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the database folder {str(path.parent)!r}: {exc.strerror}"
        ) from None
    try:
        conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_size_limit = 67108864")
        # Proves the file is writable now, not at the first customer's message.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        if is_busy(exc):
            raise BusUnavailable(f"database {str(path)!r} is locked: {exc}") from None
        raise ConfigError(f"cannot open the database {str(path)!r} for writing: {exc}") from None
    if str(mode).lower() != "wal":
        conn.close()
        raise ConfigError(f"database {str(path)!r} cannot use WAL mode (journal_mode={mode!r})")
    return conn


def _connect_postgres(url: URL, *, busy_timeout: float) -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigError(
            "ONEBOX_DATABASE_URL names PostgreSQL but psycopg is not installed "
            "(install onebox-bus[postgres])"
        ) from None
    args: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
        **{k: v for k, v in url.query.items() if isinstance(v, str)},
    }
    try:
        conn = psycopg.connect(
            **{k: v for k, v in args.items() if v is not None},
            autocommit=True,
            connect_timeout=max(1, int(busy_timeout)),
        )
        conn.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
    except psycopg.Error as exc:
        raise BusUnavailable(
            f"cannot connect to PostgreSQL at {url.host}:{url.port or 5432}/{url.database}: "
            f"{type(exc).__name__}"
        ) from None
    return conn


def is_busy(exc: BaseException) -> bool:
    """Whether an error means another writer holds the lock (worth retrying)."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    name = type(exc).__name__
    return name in {"LockNotAvailable", "SerializationFailure", "DeadlockDetected"}


def is_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database cannot take writes now (disk full, I/O, down)."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
        return True
    return type(exc).__name__ in {"OperationalError", "InterfaceError", "DiskFull"}


def wal_bytes(dialect: Dialect) -> int:
    """Size of the SQLite ``-wal`` file (0 on PostgreSQL or when there is none)."""
    if dialect.kind != "sqlite":
        return 0
    wal = sqlite_path(dialect).with_name(sqlite_path(dialect).name + "-wal")
    try:
        return wal.stat().st_size
    except FileNotFoundError:
        return 0
