"""Each thread's connection to the shared database: the base of `Database`.

One engine per process (`_engine`); each thread keeps one long-lived connection in
``AUTOCOMMIT`` isolation (`Database` issues its own ``BEGIN``/``COMMIT``), held by a `Handle`
in a thread-local, so a worker thread that ends gives its connection back. The event loop's
thread may hold a second, *inline* connection that never waits for SQLite's lock. A worker's
SQLite connection does not use SQLite's own busy handler either: `Database` waits for the lock
in short steps (`pause`), since SQLite's handler sleeps 1, 2, 5, 10, 15, 20, 25... up to 100 ms
between tries, so a lock freed after a millisecond was often taken tens of milliseconds later;
and the threads of one process queue on a lock of their own first (`Database`), so only one of
them tries SQLite's. Failures to
open become `ConfigError` (a bad path or file) or `BusUnavailable` (locked, or the server
cannot be reached), naming the file or server, never the password.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from . import _dialect, _engine
from .errors import BusError, BusUnavailable, ConfigError

if TYPE_CHECKING:
    from .database import Synchronous


#: The pauses between two tries for SQLite's write lock (the last one repeats): a transaction
#: here holds the lock for about a millisecond, so a waiter comes back within a few; never
#: SQLite's 25-100 ms, but not so often that processes hand the lock back and forth for every
#: transaction (each handover makes the others read the changed pages again).
LOCK_STEPS = (0.0005, 0.001, 0.002, 0.005)


def pause(attempt: int) -> None:
    """Sleep before try number `attempt` + 1 for a busy SQLite lock."""
    time.sleep(LOCK_STEPS[min(attempt, len(LOCK_STEPS) - 1)])


class Handle:
    """One thread's connection (its SQLAlchemy `Connection` and the DB-API one beneath).

    Worker threads come and go (anyio's pool retires idle ones): when a thread ends, its
    thread-local drops the handle and the connection goes back with it, so a long-running
    service does not collect one open connection per thread it ever used.
    """

    __slots__ = ("__weakref__", "conn", "inline", "own_pragmas", "raw")

    def __init__(self, conn: Connection, *, inline: bool) -> None:
        self.conn: Connection | None = conn
        self.raw: Any = conn.connection.dbapi_connection
        self.inline = inline
        self.own_pragmas = False

    def close(self) -> None:
        conn, self.conn = self.conn, None
        self.raw = None
        if conn is None:
            return
        try:
            if self.own_pragmas:
                # Its pragmas (busy_timeout=0, no autocheckpoint) must not reach the pool.
                conn.invalidate()
            conn.close()
        except Exception:  # noqa: BLE001 - closing on shutdown; the OS reclaims it
            return

    def __del__(self) -> None:
        self.close()


class Connections:
    """The engine and the per-thread connections (`Database` builds on it)."""

    dialect: _dialect.Dialect
    url: str
    busy_timeout: float
    synchronous: Synchronous
    engine: Engine
    _local: threading.local
    _handles: weakref.WeakSet[Handle]
    _handles_lock: threading.Lock
    _closed: bool

    @property
    def kind(self) -> Literal["sqlite", "postgresql"]:
        """``sqlite`` or ``postgresql``."""
        return self.dialect.kind

    @property
    def sqlite(self) -> bool:
        """True on SQLite."""
        return self.dialect.kind == "sqlite"

    # -- the engine --------------------------------------------------------------------

    def _create_engine(self, *, readonly: bool) -> Engine:
        if not self.sqlite:
            return _engine.postgres_engine(self.url, busy_timeout=self.busy_timeout)
        return _engine.sqlite_engine(
            self.url, _dialect.sqlite_path(self.dialect), busy_timeout=self.busy_timeout,
            synchronous=self.synchronous, readonly=readonly,
        )  # fmt: skip

    def _check(self, *, write: bool) -> None:
        """Open this thread's connection now, so a bad path or server fails at start."""
        if not self.sqlite or not write:
            self._handle()
            return
        path = _dialect.sqlite_path(self.dialect)
        try:
            raw = self._handle().raw
            # Proves the file is writable now, not at the first customer's message.
            deadline = time.monotonic() + self.busy_timeout
            attempt = 0
            while True:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    break
                except Exception as exc:
                    if not _dialect.is_busy(original(exc)) or time.monotonic() >= deadline:
                        raise
                    pause(attempt)
                    attempt += 1
            raw.execute("ROLLBACK")
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure to open names the file
            orig = original(exc)
            if _dialect.is_busy(orig):
                raise BusUnavailable(f"database {str(path)!r} is locked: {orig}") from None
            raise ConfigError(
                f"cannot open the database {str(path)!r} for writing: {orig}"
            ) from None

    # -- connections -------------------------------------------------------------------

    def _handle(self) -> Handle:
        state = self._local.__dict__
        inline = bool(state.get("inline"))
        handle: Handle | None = state.get("inline_handle" if inline else "handle")
        if handle is None or handle.conn is None:
            handle = self._open(inline=inline)
        return handle

    def _open(self, *, inline: bool) -> Handle:
        if self._closed:
            raise BusError("the database is closed")
        state = self._local.__dict__
        try:
            conn = self.engine.connect()
        except DBAPIError as exc:
            raise self._connect_error(exc) from None
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        handle = Handle(conn, inline=inline)
        if self.sqlite:
            # `Database` waits for the lock itself, in short steps (the module's docstring).
            handle.raw.execute("PRAGMA busy_timeout = 0")
            handle.own_pragmas = True
        if inline:
            # The event loop's own connection never waits for the lock, and never runs a
            # checkpoint (its fsync) inside a commit: consumers checkpoint in a thread.
            handle.raw.execute("PRAGMA wal_autocheckpoint = 0")
            # It commits only what `run(..., durable=False)` hands it (rows written behind an
            # answer): no fsync; the next durable commit's fsync covers them.
            handle.raw.execute("PRAGMA synchronous = NORMAL")
        with self._handles_lock:
            if self._closed:
                # `close()` ran while this thread connected: it has taken its list of handles
                # (and replaced `_local`), so this connection would outlive it, open. Closed
                # for good, not handed back to the pool `close()` disposed of.
                conn.invalidate()
                conn.close()
                raise BusError("the database is closed")
            self._handles.add(handle)
        state["inline_handle" if inline else "handle"] = handle
        if "depth" not in state:
            state["depth"] = 0
            state["hooks"] = {}
        return handle

    def _connect_error(self, exc: DBAPIError) -> BaseException:
        orig = original(exc)
        if isinstance(orig, ConfigError):
            return orig
        if self.sqlite:
            path = str(_dialect.sqlite_path(self.dialect))
            if _dialect.is_busy(orig):
                return BusUnavailable(f"database {path!r} is locked: {orig}")
            return ConfigError(f"cannot open the database {path!r} for writing: {orig}")
        url = self.dialect.url
        return BusUnavailable(
            f"cannot connect to PostgreSQL at {url.host}:{url.port or 5432}/{url.database}: "
            f"{type(orig).__name__}"
        )

    def connection(self) -> Connection:
        """This thread's connection; outside `transaction()` each statement commits alone."""
        conn = self._handle().conn
        assert conn is not None
        return conn

    def _cursor(self) -> Any:
        """A DB-API cursor on this thread's connection (the queue's hand-tuned SQL)."""
        return self._handle().raw.cursor()

    def _drop_broken(self) -> None:
        """Forget this thread's connection if the server closed it: the next call reconnects."""
        state = self._local.__dict__
        handle = state.get("handle")
        if handle is not None and handle.raw is not None and getattr(handle.raw, "closed", False):
            handle.close()
            state["handle"] = None


def original(exc: BaseException) -> BaseException:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def rollback(handle: Handle) -> None:
    try:
        handle.raw.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - nothing left to undo when the rollback itself fails
        return
