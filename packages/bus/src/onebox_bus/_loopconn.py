"""PostgreSQL statements run on the event loop itself, over one async connection per loop.

A consumer's claim is one statement (`Database.alone`). Sent from async code through a worker
thread, it paid two thread switches that cost more than the statement itself when the host is
busy (1-2 ms against 0.1-0.3 ms on two cores), once per hop of every reply. Here the statement
goes out on a psycopg ``AsyncConnection`` owned by the running loop: no thread, and the loop
keeps serving while the server answers. Only single statements in autocommit go this way;
transactions stay on the per-thread connections.

Each loop gets its connection on first use; a broken or timed-out connection is closed and
replaced at the next call; connections of loops that have closed are closed when noticed, and
all of them by `close()` (from any thread: the socket is shut without awaiting).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import anyio

from . import _dialect
from ._engine import psycopg_args
from .errors import BusError, BusUnavailable


class LoopConnections:
    """One autocommit ``AsyncConnection`` per running event loop, for single statements."""

    def __init__(self, dialect: _dialect.Dialect, *, busy_timeout: float) -> None:
        self._dialect = dialect
        self._busy_timeout = busy_timeout
        self._conns: dict[asyncio.AbstractEventLoop, Any] = {}
        self._lock = threading.Lock()
        self._closed = False

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Any]:
        """Run one statement in autocommit and return its rows.

        Raises:
            BusUnavailable: no answer within the busy timeout, or the server cannot be reached.
            BusError: the database is closed.
        """
        loop = asyncio.get_running_loop()
        conn = await self._connection(loop)
        try:
            with anyio.fail_after(self._busy_timeout):
                cursor = await conn.execute(sql, params)
                return list(await cursor.fetchall())
        except TimeoutError:
            self._discard(loop, conn)
            raise BusUnavailable(
                f"the database did not answer within {self._busy_timeout:g}s"
            ) from None
        except BaseException:
            if conn.broken or conn.closed or not _idle(conn):
                self._discard(loop, conn)  # cancelled mid-statement, or the server went away
            raise

    async def _connection(self, loop: asyncio.AbstractEventLoop) -> Any:
        with self._lock:
            if self._closed:
                raise BusError("the database is closed")
            conn = self._conns.get(loop)
            gone = [other for other in self._conns if other.is_closed()]
            stale = [self._conns.pop(other) for other in gone]
        for old in stale:
            _shut(old)
        if conn is not None and not conn.closed:
            return conn
        conn = await self._connect()
        with self._lock:
            if self._closed:
                _shut(conn)
                raise BusError("the database is closed")
            other = self._conns.get(loop)
            if other is not None and not other.closed:
                # Another task of this loop connected meanwhile (consumers start together).
                _shut(conn)
                return other
            self._conns[loop] = conn
        return conn

    async def _connect(self) -> Any:
        import psycopg

        args = psycopg_args(self._dialect, busy_timeout=self._busy_timeout)
        conn = None
        try:
            with anyio.fail_after(self._busy_timeout + 1):
                conn = await psycopg.AsyncConnection.connect(**args, autocommit=True)
                await conn.execute(f"SET lock_timeout = {int(self._busy_timeout * 1000)}")
        except BaseException as exc:
            if conn is not None:
                _shut(conn)  # cancelled or failed after connecting: never left to the collector
            if not isinstance(exc, (psycopg.Error, TimeoutError, OSError)):
                raise
            url = self._dialect.url
            raise BusUnavailable(
                f"cannot connect to PostgreSQL at {url.host}:{url.port or 5432}/{url.database}: "
                f"{type(exc).__name__}"
            ) from None
        return conn

    def _discard(self, loop: asyncio.AbstractEventLoop, conn: Any) -> None:
        with self._lock:
            if self._conns.get(loop) is conn:
                del self._conns[loop]
        _shut(conn)

    def close(self) -> None:
        """Close every loop's connection (callable from any thread; nothing is awaited)."""
        with self._lock:
            self._closed = True
            conns = list(self._conns.values())
            self._conns.clear()
        for conn in conns:
            _shut(conn)


def _idle(conn: Any) -> bool:
    """Whether the connection is between statements (not left inside a cancelled one)."""
    from psycopg.pq import TransactionStatus

    return bool(conn.pgconn.transaction_status == TransactionStatus.IDLE)


def _shut(conn: Any) -> None:
    # The socket is closed at once; psycopg then counts the connection closed (no warning).
    with contextlib.suppress(Exception):
        conn.pgconn.finish()
