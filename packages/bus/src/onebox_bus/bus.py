"""The bus: publish, claim, ack and nack messages in the shared database.

Invariants:
- at-least-once: a message is done only after `ack`; a claimed message whose lease runs out
  is delivered again;
- per-key FIFO: while a message of a key is claimed or waiting out a retry, no later message
  of that key is claimable; done or dead frees the key;
- every write is one short transaction (`BEGIN IMMEDIATE` on SQLite) on a long-lived
  connection per thread; a lock held past the busy timeout becomes `BusUnavailable`;
- ack and nack carry the claim's attempt number, so a consumer that lost its lease changes
  nothing (`LeaseLost`).
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread

from . import _dialect, _sql
from ._connection import _Handle, _WouldWait
from .doorbell import open_doorbell
from .errors import BusError, BusUnavailable, LeaseLost
from .message import Message
from .operations import Operations
from .payload import DEFAULT_MAX_PAYLOAD
from .publishing import Publishing
from .retry import next_retry_delay

Clock = Callable[[], float]
_T = TypeVar("_T")
Listener = Callable[[str], None]
#: ``on_lock_wait(seconds, timed_out)``: a write waited `seconds` for the database lock.
LockWaitHook = Callable[[float, bool], None]
#: A ``BEGIN`` faster than this did not wait for another writer (it is not reported).
LOCK_WAIT_MIN_SECONDS = 0.001


class Bus(Publishing, Operations):
    """A message bus over one SQLite file (WAL) or one PostgreSQL database.

    Safe to share between threads: each thread gets its own connection. Async code calls the
    sync methods through a worker thread, or `publish_async` for group-committed publishing.
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = 5.0,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        on_lock_wait: LockWaitHook | None = None,
        doorbell: bool = True,
    ) -> None:
        self.url = url
        self.on_lock_wait = on_lock_wait
        self.dialect = _dialect.parse_url(url)
        self.busy_timeout = busy_timeout
        self.max_payload_bytes = max_payload_bytes
        self.clock = clock
        self._rng = rng or random.Random()
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._local = threading.local()
        self._handles: weakref.WeakSet[_Handle] = weakref.WeakSet()
        self._conns_lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._committer: Any = None
        self._closed = False
        self._sql = {name: self.dialect.sql(getattr(_sql, name)) for name in _STATEMENTS}
        self._claim_sql = self.dialect.sql(self.dialect.claim)
        self._conn()  # fail now, with the path, if the database cannot be opened
        # Wakes consumers in other processes after a publish (see `doorbell`).
        self.doorbell = open_doorbell(self.dialect, busy_timeout=busy_timeout) if doorbell else None
        if self.doorbell is not None:
            self._listeners.append(self.doorbell.ring)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Bus:
        """Open the bus on a database URL (``sqlite:///var/onebox.db``, ``postgresql+psycopg://``)."""
        return cls(url, **options)

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.dialect.kind

    # -- connections and transactions -------------------------------------------------

    def _conn(self) -> Any:
        inline = bool(self._local.__dict__.get("inline"))
        slot = "inline_handle" if inline else "handle"
        handle = self._local.__dict__.get(slot)
        if handle is None or handle.conn is None:
            if self._closed:
                raise BusError("the bus is closed")
            handle = _Handle(_dialect.connect(self.dialect, busy_timeout=self.busy_timeout))
            if inline:
                # The event loop's own connection never waits for the lock, and never runs
                # a checkpoint (its fsync) inside a commit: consumers checkpoint in a thread.
                handle.conn.execute("PRAGMA busy_timeout = 0")
                handle.conn.execute("PRAGMA wal_autocheckpoint = 0")
            setattr(self._local, slot, handle)
            if "depth" not in self._local.__dict__:
                self._local.depth = 0
                self._local.topics = set()
            with self._conns_lock:
                self._handles.add(handle)
        return handle.conn

    def _cursor(self) -> Any:
        return self._conn().cursor()

    @contextmanager
    def transaction(self) -> Iterator[Bus]:
        """Run several bus calls of this thread in one transaction (e.g. publish reply + ack).

        Inside the block, `publish`, `ack`, `nack` and the rest join the transaction. If the
        block raises (including `LeaseLost` from an ack), everything in it is rolled back.
        """
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1
            return
        self._begin(conn)
        self._local.depth = 1
        try:
            yield self
        except BaseException:
            self._local.depth = 0
            self._local.topics.clear()
            self._rollback(conn)
            raise
        self._local.depth = 0
        try:
            if self._local.topics and self.doorbell is not None:
                self.doorbell.before_commit(conn.cursor(), self._local.topics)
            conn.cursor().execute("COMMIT")
        except Exception as exc:
            self._local.topics.clear()
            self._rollback(conn)
            raise self._translate(exc) from exc
        self._notify()

    def _begin(self, conn: Any) -> None:
        started = time.monotonic()
        deadline = started + self.busy_timeout
        while True:
            try:
                conn.cursor().execute(self.dialect.begin)
            except Exception as exc:
                if self._local.__dict__.get("inline") and _dialect.is_busy(exc):
                    raise _WouldWait from exc
                if _dialect.is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.002)
                    continue
                if self.on_lock_wait is not None and _dialect.is_busy(exc):
                    self.on_lock_wait(time.monotonic() - started, True)
                raise self._translate(exc) from exc
            if self.on_lock_wait is not None:
                waited = time.monotonic() - started
                if waited >= LOCK_WAIT_MIN_SECONDS:
                    self.on_lock_wait(waited, False)
            return

    def _rollback(self, conn: Any) -> None:
        try:
            conn.cursor().execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - nothing left to undo when the rollback itself fails
            return

    def _translate(self, exc: BaseException) -> BaseException:
        if isinstance(exc, BusError):
            return exc
        if _dialect.is_busy(exc):
            return BusUnavailable(
                f"database busy for more than {self.busy_timeout:g}s (another writer holds it)"
            )
        if _dialect.is_unavailable(exc):
            return BusUnavailable(f"database cannot take the write: {exc}")
        return exc

    def _write(self, work: Callable[[Any], _T]) -> _T:
        """Run `work(cursor)` in its own transaction, or in the thread's open one.

        A lock conflict inside the transaction rolls it back and runs `work` again, until the
        busy timeout is spent; then `BusUnavailable`.
        """
        if self._local.__dict__.get("depth"):
            try:
                return work(self._cursor())
            except Exception as exc:
                raise self._translate(exc) from exc
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                with self.transaction():
                    return work(self._cursor())
            except _WouldWait:
                raise
            except Exception as exc:
                if self._local.__dict__.get("inline") and _dialect.is_busy(exc):
                    raise _WouldWait from exc
                if _dialect.is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.002)
                    continue
                raise self._translate(exc) from exc

    async def run_async(self, call: Callable[[], _T]) -> _T:
        """Run ONE bus operation (or one `transaction()` block) from async code.

        On SQLite it first runs inline, on a connection of the event loop's thread that never
        waits: in WAL mode a read never blocks, and a short write whose lock is free commits
        in a fraction of a millisecond with no fsync (checkpoints run elsewhere), cheaper than
        the hop to a worker thread. If the write lock is taken, the attempt fails before doing
        anything and the call is run again in a worker thread, where waiting is allowed. On
        PostgreSQL every call goes to a worker thread.

        `call` must be one operation or one transaction: it may be run twice, and only a
        first attempt that changed nothing is ever repeated.
        """
        if self.dialect.kind != "sqlite" or self._local.__dict__.get("depth"):
            return await anyio.to_thread.run_sync(call)
        self._local.inline = True
        try:
            return call()
        except _WouldWait:
            pass  # the lock is taken: nothing was done; wait for it on a worker thread below
        finally:
            self._local.inline = False
        return await anyio.to_thread.run_sync(call)

    def _read(self, sql: str, params: dict[str, Any]) -> list[Any]:
        try:
            cur = self._cursor()
            cur.execute(sql, params)
            return list(cur.fetchall())
        except Exception as exc:
            raise self._translate(exc) from exc

    # -- listeners --------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(topic)` after each commit that published to `topic` in this process."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling a listener added with `add_listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        topics = self._local.topics
        if not topics:
            return
        published = list(topics)
        topics.clear()
        for listener in list(self._listeners):
            for topic in published:
                listener(topic)

    # -- consuming --------------------------------------------------------------------

    def claim(
        self, topic: str, *, limit: int = 10, lease: float = 30.0, consumer: str = ""
    ) -> list[Message]:
        """Lease up to `limit` claimable messages of `topic`, oldest first.

        Only the head message of each key is claimable, so a batch never holds two messages
        of one key. Each message must be acked, nacked or dead-lettered before `lease` runs out.
        """
        now = self.clock()
        claim = self._claim_sql

        def work(cur: Any) -> list[Any]:
            cur.execute(
                claim,
                {
                    "topic": topic,
                    "now": now,
                    "limit": limit,
                    "lease_until": now + lease,
                    "consumer": consumer[:100],
                },
            )
            return list(cur.fetchall())

        rows = self._write(work)
        messages = [
            Message(
                id=int(r[0]),
                topic=r[1],
                payload=bytes(r[2]),
                key=r[3],
                dedupe_key=r[4],
                correlation_id=r[5],
                attempt=int(r[6]),
                max_attempts=int(r[7]),
                created_at=float(r[8]),
                lease_until=float(r[9]),
            )
            for r in rows
            if r[10] == "claimed"
        ]
        messages.sort(key=lambda m: m.id)
        return messages

    def _settle(self, statement: str, messages: Iterable[Message], **params: Any) -> None:
        sql = self._sql[statement]
        batch = list(messages)
        rows = [{"id": m.id, "attempt": m.attempt, **params} for m in batch]

        def work(cur: Any) -> None:
            if len(rows) == 1:
                cur.execute(sql, rows[0])
            else:
                cur.executemany(sql, rows)
            if cur.rowcount != len(rows):
                raise LeaseLost(self._lost(cur, batch))

        self._write(work)

    def _lost(self, cur: Any, batch: list[Message]) -> int:
        """The id of the first message in `batch` whose claim is no longer ours."""
        for message in batch:
            cur.execute(self._sql["CLAIM_TOKEN"], {"id": message.id})
            row = cur.fetchone()
            if row is None or row[0] != "claimed" or int(row[1]) != message.attempt:
                return message.id
        return batch[0].id

    def ack(self, message: Message) -> None:
        """Mark a claimed message done.

        Raises:
            LeaseLost: the lease ran out and another consumer claimed the message.
        """
        self._settle("ACK", [message], now=self.clock())

    def ack_many(self, messages: Iterable[Message]) -> None:
        """Ack several claimed messages in one transaction (all or none)."""
        self._settle("ACK", messages, now=self.clock())

    def nack(self, message: Message, error: str, *, retry_after: float | None = None) -> bool:
        """Give a claimed message back after a failure.

        Without `retry_after` it backs off exponentially with jitter (capped); with it, it
        waits exactly that long. After `max_attempts` the message is dead, `error` kept.

        Returns:
            True when the message will be retried, False when it is now dead.
        """
        if message.attempt >= message.max_attempts:
            self.dead_letter(message, error)
            return False
        if retry_after is None:
            retry_after = next_retry_delay(
                message.attempt, base=self._retry_base, cap=self._retry_cap, rng=self._rng
            )
        self._settle(
            "RETRY", [message], visible_at=self.clock() + max(0.0, retry_after), error=error[:2000]
        )
        return True

    def dead_letter(self, message: Message, error: str) -> None:
        """Move a claimed message to the dead letters at once (a permanent failure)."""
        self._settle("KILL", [message], now=self.clock(), error=error[:2000])

    def release(self, message: Message) -> None:
        """Give a claimed message back unprocessed (graceful stop): no attempt is counted."""
        self._settle("RELEASE", [message], now=self.clock())

    def extend(self, message: Message, *, lease: float) -> Message:
        """Extend a claim's lease to `lease` seconds from now; returns the updated message."""
        until = self.clock() + lease
        self._settle("EXTEND", [message], lease_until=until)
        return Message(**{**_fields(message), "lease_until": until})

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """Run one statement of another package's own tables on this thread's connection.

        Inside `transaction()` it joins that transaction, so a package can commit its rows
        atomically with a publish and an ack. ``:name`` parameters work on both databases.
        Outside a transaction the connection is in autocommit: a write commits at once.

        Returns:
            The DB-API cursor (``fetchall()``, ``fetchone()``, ``rowcount``).
        """
        try:
            cur = self._cursor()
            cur.execute(self.dialect.sql(sql), params or {})
            return cur
        except Exception as exc:
            raise self._translate(exc) from exc

    def ping(self) -> None:
        """Run a trivial query; raises `BusUnavailable` when the database cannot answer."""
        self._read("SELECT 1", {})

    def close(self) -> None:
        """Stop the group committer and close every connection this bus opened."""
        self._closed = True
        if self.doorbell is not None:
            self.doorbell.close()
        if self._committer is not None:
            self._committer.close()
            self._committer = None
        with self._conns_lock:
            handles = list(self._handles)
        for handle in handles:
            handle.close()
        self._local = threading.local()

    def __enter__(self) -> Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_STATEMENTS = (
    "INSERT_PLAIN",
    "INSERT_PLAIN_RETURNING",
    "INSERT_DEDUPED",
    "SELECT_BY_DEDUPE",
    "ACK",
    "CLAIM_TOKEN",
    "RETRY",
    "RELEASE",
    "KILL",
    "EXTEND",
    "STATS_ACTIVE",
    "STATS_FINISHED",
    "DEAD_LIST",
    "REPLAY_DEAD",
    "REPLAY_DEAD_TOPIC",
    "PURGE_DEAD",
    "PURGE_DEAD_TOPIC",
    "PURGE_DONE",
)


def _fields(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in Message.__slots__}
