"""Engine construction for `Database`: the connection settings, applied once per connection,
and the database file created private before SQLite opens it."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from . import _dialect
from .errors import ConfigError

if TYPE_CHECKING:
    from .database import Synchronous

#: SQLite truncates the ``-wal`` file back to this after a checkpoint.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


def postgres_engine(url: str, *, busy_timeout: float) -> Engine:
    """An engine on PostgreSQL whose connections wait at most `busy_timeout` for a lock."""
    engine = sqlalchemy.create_engine(
        normalise_url(url),
        pool_pre_ping=True,
        max_overflow=-1,
        connect_args={"connect_timeout": max(1, int(busy_timeout))},
    )
    lock_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"SET lock_timeout = {lock_ms}")
        dbapi_connection.commit()

    return engine


def psycopg_args(dialect: _dialect.Dialect, *, busy_timeout: float) -> dict[str, Any]:
    """Keyword arguments for a plain psycopg connection to the URL's server (outside the
    engine's pool): the same server, database, user, options and connect timeout."""
    url = dialect.url
    args: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
        **{k: v for k, v in url.query.items() if isinstance(v, str)},
    }
    return {
        **{k: v for k, v in args.items() if v is not None},
        "connect_timeout": max(1, int(busy_timeout)),
    }


def sqlite_engine(
    url: str, path: Path, *, busy_timeout: float, synchronous: Synchronous, readonly: bool
) -> Engine:
    """An engine on the SQLite file `path` (created private first), in WAL mode.

    Raises:
        ConfigError: the folder cannot be created; (on connect) WAL mode is refused.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the database folder {str(path.parent)!r}: {exc.strerror}"
        ) from None
    create_private(path)
    engine = sqlalchemy.create_engine(
        normalise_url(url),
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        max_overflow=-1,
    )
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 would open DEFERRED transactions on its own: take that over.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ConfigError(f"database {str(path)!r} cannot use WAL mode (journal_mode={mode!r})")
        cur.execute(f"PRAGMA synchronous = {synchronous}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        cur.close()

    default_begin = "DEFERRED" if readonly else "IMMEDIATE"

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Pooled connections of other readers (dashboards, tools) that use engine.begin().
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        mode = options.get("onebox_begin", default_begin)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")

    return engine


def file_mode(folder: Path) -> int:
    """The mode a new database file gets in `folder`: 0600, or 0640 for the folder's group.

    When the folder belongs to a group other than the process's (``/var/lib/onebox`` owned by
    the ``onebox`` group, say), the file is made readable by that group (backups, `onebox
    status` run as another member); never by others: messages and phone numbers are in it.
    """
    try:
        folder_gid = folder.stat().st_gid
    except OSError:
        return 0o600
    return 0o640 if folder_gid != os.getegid() else 0o600


def create_private(path: Path) -> None:
    """Create the SQLite file `path` with `file_mode` if it does not exist yet.

    SQLite creates ``-wal`` and ``-shm`` with the database file's permissions, so they follow.
    An existing file readable or writable by others loses those bits (when we own it).
    """
    if str(path) in ("", ":memory:"):
        return
    mode = file_mode(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(OSError):
                st = name.stat()
                if st.st_mode & 0o007 and st.st_uid == os.geteuid():
                    os.chmod(name, stat.S_IMODE(st.st_mode) & ~0o007)
        return
    except OSError:
        return  # the connect that follows names the file and the reason
    try:
        if mode == 0o640:
            with contextlib.suppress(OSError):
                os.fchown(fd, -1, path.parent.stat().st_gid)
        os.fchmod(fd, mode)  # the umask may have taken bits we asked for; never adds others
    finally:
        os.close(fd)


def normalise_url(url: str) -> URL:
    """The URL with the driver onebox installs (``postgresql`` -> ``postgresql+psycopg``)."""
    dialect = _dialect.parse_url(url)
    parsed = dialect.url
    if dialect.kind == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed
