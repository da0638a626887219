"""What differs between SQLite and PostgreSQL: URLs, transactions, claims, error classes.

`Database` opens its own transactions (`BEGIN IMMEDIATE` on SQLite, so the write lock is
taken up front and a transaction never fails half-way on a lock upgrade). The queue's
statements use ``:name`` parameters, rewritten here for psycopg.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from . import _sql
from .errors import ConfigError

Kind = Literal["sqlite", "postgresql"]


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


def is_busy(exc: BaseException) -> bool:
    """Whether an error means another writer holds the lock (worth retrying)."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    return _named(exc, {"LockNotAvailable", "SerializationFailure", "DeadlockDetected"})


def is_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database cannot take writes now (disk full, I/O, down)."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
        return True
    # psycopg's subclasses (AdminShutdown, ConnectionFailure...) count as their family.
    return _named(exc, {"OperationalError", "InterfaceError", "DiskFull"})


def _named(exc: BaseException, names: set[str]) -> bool:
    return any(cls.__name__ in names for cls in type(exc).__mro__)


def wal_bytes(dialect: Dialect) -> int:
    """Size of the SQLite ``-wal`` file (0 on PostgreSQL or when there is none)."""
    if dialect.kind != "sqlite":
        return 0
    wal = sqlite_path(dialect).with_name(sqlite_path(dialect).name + "-wal")
    try:
        return wal.stat().st_size
    except FileNotFoundError:
        return 0
