"""The one way into the shared database: one engine per process, one connection per thread.

`Database` owns the process's SQLAlchemy `Engine` on SQLite (WAL) or PostgreSQL. Its
connection settings are applied once, in one ``connect`` listener: on SQLite ``journal_mode``
WAL, ``synchronous`` (a constructor argument), ``busy_timeout``, ``foreign_keys`` and
``journal_size_limit``; on PostgreSQL ``lock_timeout``.

Every repository (the queue `Bus`, deliveries, conversation memory, the WhatsApp window, the
router's cache and ledger, the journal, the metrics store...) works on the `Connection` that
`transaction()` yields, so a unit of work that spans them ("publish the reply, record the
turns, ack the inbound") is one transaction written in one style.

Invariants:
- each thread keeps ONE long-lived connection in ``AUTOCOMMIT`` isolation, so SQLAlchemy never
  emits ``BEGIN``/``COMMIT`` on it: `transaction()` issues ``BEGIN IMMEDIATE`` (SQLite: the
  write lock up front, so a transaction never fails half-way on a lock upgrade) or ``BEGIN``
  (PostgreSQL), ``COMMIT`` and ``ROLLBACK`` on its DB-API connection (a pooled
  ``engine.begin()`` per message costs several times the work it wraps on the queue's path);
- nested `transaction()` calls on a thread join the outer one; an exception rolls the whole
  transaction back; callbacks given to `after_commit` run after the outermost ``COMMIT`` only;
- a lock held past the busy timeout, a full disk or an unreachable server becomes
  `BusUnavailable`, here and nowhere else;
- `run` runs one call from async code: inline on the event loop's own SQLite connection (which
  never waits for the lock and never checkpoints) when the lock is free, else on a worker
  thread; on PostgreSQL always on a worker thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio.to_thread
from sqlalchemy.engine import Connection

from . import _dialect
from ._connections import Handle, original, pause, rollback
from ._loopconn import LoopConnections
from ._waiting import LOCK_WAIT_MIN_SECONDS, LockWaitHook, LockWaits, WouldWait
from .errors import BusError

if TYPE_CHECKING:
    from .batcher import Batcher

__all__ = [
    "CLOSE_WAIT_SECONDS", "LOCK_WAIT_MIN_SECONDS", "Database", "LockWaitHook", "Synchronous",
    "WouldWait",
]  # fmt: skip

T = TypeVar("T")
Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
#: How long `Database.close` waits, beyond the busy timeout, for other threads' work to end.
CLOSE_WAIT_SECONDS = 5.0


class Database(LockWaits):
    """The process's engine on the shared database, and its per-thread transactions.

    Safe to share between threads: each thread gets its own connection.

    Args:
        url: ``sqlite:///var/onebox.db`` or ``postgresql+psycopg://...``.
        busy_timeout: seconds a write waits for the lock before `BusUnavailable`.
        synchronous: SQLite's ``synchronous`` pragma. ``FULL`` (the default): the WAL is
            fsynced at every commit, so a commit (and the 200 answered for it) survives a
            power cut; the batcher's group commit pays one fsync per batch. ``NORMAL``: a
            commit survives a crash of the process, but the last commits may roll back after
            a power cut or an OS crash.
        on_lock_wait: told how long each write waited for the lock (only waits of 1 ms and
            more, and every timeout).
        readonly: ``engine.begin()`` takes no write lock on SQLite (for read-only tools).

    Raises:
        ConfigError: a bad URL, or a SQLite file that cannot be created or written.
        BusUnavailable: the database is locked past the busy timeout or cannot be reached.
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = 5.0,
        synchronous: Synchronous = "FULL",
        on_lock_wait: LockWaitHook | None = None,
        readonly: bool = False,
    ) -> None:
        self.dialect = _dialect.parse_url(url)
        self.url = url
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self.on_lock_wait = on_lock_wait
        self._local = threading.local()
        self._handles: weakref.WeakSet[Handle] = weakref.WeakSet()
        self._handles_lock = threading.Lock()
        self._closed = False
        # Transactions and reads in flight on any thread: `close` waits for them, since
        # closing a SQLite connection another thread is executing on crashes the process.
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._drained = threading.Event()
        self._batcher: Batcher | None = None
        # SQLite takes one writer at a time: this process's writers queue for it here first.
        self._gate = threading.Lock() if self.dialect.kind == "sqlite" else None
        self._loop_conns = (
            None if self.dialect.kind == "sqlite"
            else LoopConnections(self.dialect, busy_timeout=busy_timeout)
        )  # fmt: skip
        self.engine = self._create_engine(readonly=readonly)
        try:
            self._check(write=not readonly)
        except BaseException:
            self.close()
            raise

    # -- transactions ------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        """True inside a `transaction()` block of this thread."""
        return bool(self._local.__dict__.get("depth"))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction on this thread's connection; nested calls join the outer one.

        If the block raises, everything in it is rolled back. A failed ``COMMIT`` is rolled
        back and raised (as `BusUnavailable` when the database cannot take it).
        """
        handle = self._handle()
        local = self._local
        conn = handle.conn
        assert conn is not None
        if local.depth:
            local.depth += 1
            try:
                yield conn
            finally:
                local.depth -= 1
            return
        self._open_transaction(handle)
        try:
            yield conn
        except BaseException:
            self._abort(handle)
            raise
        self._commit(handle)

    # The three steps of an outermost transaction, shared by `transaction()` and `_write`
    # (the queue's hot path, which skips the context manager's generator).

    def _open_transaction(self, handle: Handle) -> None:
        self._enter()
        try:
            self._begin(handle)
        except BaseException:
            self._leave()
            raise
        self._local.depth = 1

    def _commit(self, handle: Handle) -> None:
        local = self._local
        local.depth = 0
        try:
            handle.raw.execute("COMMIT")
        except Exception as exc:
            local.hooks.clear()
            rollback(handle)
            raise self.translate(exc) from exc
        finally:
            self._open_gate()
            self._leave()
        if local.hooks:
            hooks = list(local.hooks.values())
            local.hooks.clear()
            for hook in hooks:
                hook()

    def _abort(self, handle: Handle) -> None:
        local = self._local
        local.depth = 0
        local.hooks.clear()
        try:
            rollback(handle)
        finally:
            self._open_gate()
            self._leave()

    @contextlib.contextmanager
    def savepoint(self, name: str = "onebox_unit") -> Iterator[Connection]:
        """A savepoint inside the thread's open transaction: an exception undoes the block only.

        `after_commit` callbacks registered inside a block that is undone are dropped.
        """
        if not self.in_transaction:
            raise BusError("savepoint() needs an open transaction()")
        handle = self._handle()
        raw, hooks = handle.raw, self._local.hooks
        before = len(hooks)
        raw.execute(f"SAVEPOINT {name}")
        try:
            assert handle.conn is not None
            yield handle.conn
        except BaseException:
            raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raw.execute(f"RELEASE SAVEPOINT {name}")
            for key in list(hooks)[before:]:
                del hooks[key]
            raise
        raw.execute(f"RELEASE SAVEPOINT {name}")

    def after_commit(self, key: object, callback: Callable[[], None]) -> None:
        """Call `callback` once after the thread's transaction commits (dropped on rollback).

        Callbacks are kept by `key`: a second one with the same key in the same transaction is
        ignored. Outside a transaction the callback runs at once.
        """
        state = self._local.__dict__
        if not state.get("depth"):
            callback()
            return
        hooks = state["hooks"]
        if key not in hooks:
            hooks[key] = callback

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` in its own transaction, or in the thread's open one.

        A lock conflict inside the transaction rolls it back and runs `work` again, until the
        busy timeout is spent; then `BusUnavailable`.
        """
        return self._write(work, raw=False)

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` on this thread's connection (no transaction of its own)."""

        def once() -> T:
            self._enter()
            try:
                return work(self.connection())
            finally:
                self._leave()

        return self.patiently(once)

    def alone(self, sql: str, params: dict[str, Any]) -> list[Any]:
        """Run ONE statement outside any transaction and return its rows (PostgreSQL only).

        The connection is in autocommit, so the statement is its own transaction: one round
        trip instead of ``BEGIN``, the statement and ``COMMIT``. A lock wait past the lock
        timeout is retried until the busy timeout is spent, then `BusUnavailable`.
        """
        if self.sqlite or self.in_transaction:
            raise BusError("alone() runs one PostgreSQL statement outside a transaction")
        deadline = time.monotonic() + self.busy_timeout
        while True:
            self._enter()
            try:
                cur = self._handle().raw.cursor()
                cur.execute(sql, params)
                return list(cur.fetchall())
            except Exception as exc:
                if _dialect.is_busy(original(exc)) and time.monotonic() < deadline:
                    time.sleep(0.002)
                    continue
                raise self.translate(exc) from exc
            finally:
                self._leave()

    async def alone_async(self, sql: str, params: dict[str, Any]) -> list[Any]:
        """`alone` from async code, on the event loop's own connection (PostgreSQL only).

        No worker thread: the statement goes out on an async connection of the running loop
        (`_loopconn`), which keeps serving while the server answers.
        """
        if self._loop_conns is None:
            raise BusError("alone_async() runs one PostgreSQL statement")
        try:
            return await self._loop_conns.fetch(sql, params)
        except Exception as exc:
            raise self.translate(exc) from exc

    def _enter(self) -> None:
        """Count one transaction or read in flight (`close` waits for them)."""
        with self._busy_lock:
            if self._closed:
                raise BusError("the database is closed")
            self._busy += 1

    def _leave(self) -> None:
        with self._busy_lock:
            self._busy -= 1
            if self._closed and not self._busy:
                self._drained.set()

    def _write(self, work: Callable[[Any], T], *, raw: bool) -> T:
        if self._local.__dict__.get("depth"):
            handle = self._handle()
            try:
                return work(handle.raw.cursor() if raw else handle.conn)
            except Exception as exc:
                raise self.translate(exc) from exc
        deadline = time.monotonic() + self.busy_timeout
        while True:
            handle = self._handle()
            self._open_transaction(handle)
            try:
                result = work(handle.raw.cursor() if raw else handle.conn)
            except BaseException as exc:
                self._abort(handle)
                if not isinstance(exc, Exception):
                    raise
                busy = _dialect.is_busy(original(exc))
                if busy and self._local.__dict__.get("inline"):
                    raise WouldWait from exc
                if busy and time.monotonic() < deadline:
                    pause(0)
                    continue
                raise self.translate(exc) from exc
            self._commit(handle)
            return result

    async def run(self, call: Callable[[], T], *, durable: bool = True) -> T:
        """Run ONE database call (or one `transaction()` block) from async code.

        On SQLite it first runs inline, on a connection of the event loop's thread that never
        waits: in WAL mode a read never blocks, and (with ``synchronous=NORMAL``) a short write
        whose lock is free commits in a fraction of a millisecond with no fsync (checkpoints
        run elsewhere), cheaper than the hop to a worker thread. With ``FULL`` (the default)
        every commit fsyncs, so a transaction never runs inline: it goes to a worker thread.
        If the write lock is taken, the attempt fails before doing
        anything and the call is run again in a worker thread, where waiting is allowed. On
        PostgreSQL every call goes to a worker thread.

        ``durable=False`` (rows written behind an answer, whose loss costs accuracy, never a
        message) lets a write commit inline without its fsync even under ``FULL``; a power
        cut may then lose it, a process crash does not.

        `call` must be one operation or one transaction: it may be run twice, and only a
        first attempt that changed nothing is ever repeated.
        """
        state = self._local.__dict__
        if not self.sqlite or state.get("depth"):
            return await anyio.to_thread.run_sync(call)
        state["inline"] = True
        state["lazy"] = not durable
        try:
            return call()
        except WouldWait:
            pass  # the lock is taken: nothing was done; wait for it on a worker thread below
        finally:
            state["inline"] = False
            state["lazy"] = False
        return await anyio.to_thread.run_sync(call)

    @property
    def batcher(self) -> Batcher:
        """The process's unit-of-work `Batcher` on this database (made on first use)."""
        if self._batcher is None:
            from .batcher import Batcher

            with self._handles_lock:
                if self._batcher is None:
                    self._batcher = Batcher(self)
        return self._batcher

    async def unit(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` atomically through the `batcher`; its result once committed."""
        return await self.batcher.run(work)

    # -- upkeep ------------------------------------------------------------------------

    def wal_bytes(self) -> int:
        """Size of the SQLite ``-wal`` file (0 on PostgreSQL or when there is none)."""
        return _dialect.wal_bytes(self.dialect)

    def ping(self) -> None:
        """Run a trivial query; raises `BusUnavailable` when the database cannot answer."""

        def once() -> None:
            cur = self._cursor()
            cur.execute("SELECT 1")
            cur.fetchall()

        self.patiently(once)

    def close(self) -> None:
        """Close every connection this database opened and dispose of the engine.

        Transactions and reads already running on other threads are waited for (at most the
        busy timeout plus `CLOSE_WAIT_SECONDS`); new ones are refused with `BusError`.
        """
        with self._busy_lock:
            self._closed = True
            if not self._busy:
                self._drained.set()
        self._drained.wait(timeout=self.busy_timeout + CLOSE_WAIT_SECONDS)
        if self._batcher is not None:
            self._batcher.close()
        if self._loop_conns is not None:
            self._loop_conns.close()
        with self._handles_lock:
            handles = list(self._handles)
        for handle in handles:
            handle.close()
        self._local = threading.local()
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
