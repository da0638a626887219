"""The bus: publish, claim, ack and nack messages in the shared database.

`Bus` is the queue's repository over a `Database`: its hand-tuned SQL (`_sql.py`) runs on the
DB-API cursor of the thread's connection, inside `Database.transaction()`, so a publish or an
ack commits together with whatever else the caller's unit of work writes on that connection.

Invariants:
- at-least-once: a message is done only after `ack`; a claimed message whose lease runs out
  is delivered again;
- per-key FIFO: while a message of a key is claimed or waiting out a retry, no later message
  of that key is claimable; done or dead frees the key;
- every write is one short transaction (`BEGIN IMMEDIATE` on SQLite) on a long-lived
  connection per thread; a lock held past the busy timeout becomes `BusUnavailable`;
- ack and nack carry the claim's attempt number, so a consumer that lost its lease changes
  nothing (`LeaseLost`);
- on PostgreSQL a claim of its own is one statement in autocommit that does not wait for the
  WAL flush (one round trip and one flush less per hop): a claim the server loses in a crash
  leaves the message claimable again, and of two consumers that then hold it with the same
  attempt number, the first to settle wins.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from . import _sql
from .database import LOCK_WAIT_MIN_SECONDS, Database, LockWaitHook, Synchronous
from .doorbell import open_doorbell
from .errors import LeaseLost
from .message import Message
from .operations import Operations
from .payload import DEFAULT_MAX_PAYLOAD
from .publishing import Publishing
from .retry import next_retry_delay
from .timing import Clock

_T = TypeVar("_T")
Listener = Callable[[str], None]

__all__ = ["LOCK_WAIT_MIN_SECONDS", "Bus", "Listener", "LockWaitHook"]


class Bus(Publishing, Operations):
    """The message queue over one `Database` (SQLite in WAL mode, or PostgreSQL).

    Safe to share between threads: each thread gets its own connection. Async code calls the
    sync methods through `run_async`, or `publish_async` for batched publishing.

    Args:
        db: the process's database.
        owns_database: close `db` with the bus (`from_url` sets it).
    """

    def __init__(
        self,
        db: Database,
        *,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        owns_database: bool = False,
        doorbell: bool = True,
    ) -> None:
        self.db = db
        self.dialect = db.dialect
        self.max_payload_bytes = max_payload_bytes
        self.clock = clock
        self._rng = rng or random.Random()
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._owns_database = owns_database
        self._listeners: list[Listener] = []
        self._notifiers: dict[str, Callable[[], None]] = {}
        self._sql = {name: self.dialect.sql(getattr(_sql, name)) for name in _STATEMENTS}
        self._claim_sql = self.dialect.sql(self.dialect.claim)
        self._claim_alone = self.dialect.sql(_sql.CLAIM_POSTGRES_ALONE)
        # Wakes consumers in other processes after a publish (see `doorbell`).
        self.doorbell = (
            open_doorbell(self.dialect, busy_timeout=db.busy_timeout) if doorbell else None
        )
        self._insert_alone = self.dialect.sql(
            _sql.INSERT_NOTIFY_POSTGRES if doorbell else _sql.INSERT_DEDUPED
        )
        if self.doorbell is not None:
            self._listeners.append(self.doorbell.ring)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        busy_timeout: float = 5.0,
        synchronous: Synchronous = "FULL",
        on_lock_wait: LockWaitHook | None = None,
        **options: Any,
    ) -> Bus:
        """Open the bus and its own `Database` on a URL (``sqlite:///var/onebox.db``, ...).

        The bus closes that database when it is closed.
        """
        db = Database(
            url, busy_timeout=busy_timeout, synchronous=synchronous, on_lock_wait=on_lock_wait
        )
        return cls(db, owns_database=True, **options)

    @property
    def url(self) -> str:
        """The database URL."""
        return self.db.url

    @property
    def busy_timeout(self) -> float:
        """Seconds a write waits for the lock."""
        return self.db.busy_timeout

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.dialect.kind

    # -- transactions ------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Run several calls of this thread in one transaction (e.g. publish reply + ack).

        Inside the block, `publish`, `ack`, `nack` and the rest join the transaction, and so
        does any repository given the yielded connection. If the block raises (including
        `LeaseLost` from an ack), everything in it is rolled back.
        """
        with self.db.transaction() as conn:
            yield conn

    def _cursor(self) -> Any:
        return self.db._cursor()

    def _translate(self, exc: BaseException) -> BaseException:
        return self.db.translate(exc)

    def _write(self, work: Callable[[Any], _T]) -> _T:
        """Run `work(cursor)` in its own transaction, or in the thread's open one."""
        return self.db._write(work, raw=True)

    async def run_async(self, call: Callable[[], _T]) -> _T:
        """Run ONE bus operation (or one `transaction()` block) from async code (`Database.run`)."""
        return await self.db.run(call)

    def _read(self, sql: str, params: dict[str, Any]) -> list[Any]:
        def once() -> list[Any]:
            cur = self._cursor()
            cur.execute(sql, params)
            return list(cur.fetchall())

        return self.db.patiently(once)

    # -- listeners --------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(topic)` after each commit that published to `topic` in this process."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling a listener added with `add_listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _published(self, topic: str) -> None:
        """Note a write to `topic`: the listeners hear of it after the commit.

        On PostgreSQL the doorbell's NOTIFY goes out here, inside the transaction, so the
        server delivers it at COMMIT (and drops it with a rollback); repeats of one
        notification in a transaction are folded into one by the server.
        """
        if self.doorbell is not None and not self.db.sqlite:
            self.doorbell.before_commit(self.db._cursor(), (topic,))
        notify = self._notifiers.get(topic)
        if notify is None:
            notify = self._notifiers[topic] = functools.partial(self._notify, topic)
        self.db.after_commit(notify, notify)

    def _notify(self, topic: str) -> None:
        for listener in list(self._listeners):
            listener(topic)

    # -- consuming --------------------------------------------------------------------

    def claim(
        self, topic: str, *, limit: int = 10, lease: float = 30.0, consumer: str = ""
    ) -> list[Message]:
        """Lease up to `limit` claimable messages of `topic`, oldest first.

        Only the head message of each key is claimable, so a batch never holds two messages
        of one key. Each message must be acked, nacked or dead-lettered before `lease` runs out.
        """
        params = self._claim_params(topic, limit=limit, lease=lease, consumer=consumer)
        if not self.db.sqlite and not self.db.in_transaction:
            # On PostgreSQL a claim of its own is one statement committed by itself, without
            # waiting for the WAL flush: a claim the server loses in a crash only makes the
            # message claimable again, as when a lease runs out.
            return _messages(self.db.alone(self._claim_alone, params))
        claim = self._claim_sql

        def work(cur: Any) -> list[Any]:
            cur.execute(claim, params)
            return list(cur.fetchall())

        return _messages(self._write(work))

    async def claim_async(
        self, topic: str, *, limit: int = 10, lease: float = 30.0, consumer: str = ""
    ) -> list[Message]:
        """`claim` from async code: on PostgreSQL on the event loop's own connection (no
        worker thread), on SQLite through `run_async`."""
        if self.db.sqlite:
            return await self.run_async(
                lambda: self.claim(topic, limit=limit, lease=lease, consumer=consumer)
            )
        params = self._claim_params(topic, limit=limit, lease=lease, consumer=consumer)
        return _messages(await self.db.alone_async(self._claim_alone, params))

    def _claim_params(
        self, topic: str, *, limit: int, lease: float, consumer: str
    ) -> dict[str, Any]:
        now = self.clock()
        return {
            "topic": topic,
            "now": now,
            "limit": limit,
            "lease_until": now + lease,
            "consumer": consumer[:100],
        }

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

    def defer(self, messages: Iterable[Message], *, until: float) -> None:
        """Give claimed messages back unprocessed, claimable again only from `until`.

        No attempt is counted. Used by a consumer that waits for more of a conversation (a
        burst) without holding a worker: while a deferred head waits, per-key FIFO keeps the
        later messages of its key queued behind it, and a crash loses nothing.
        """
        self._settle("DEFER", messages, until=until)

    def undefer(self, message: Message) -> bool:
        """Make a deferred `message` claimable now; False when it is no longer deferred."""
        sql, now = self._sql["UNDEFER"], self.clock()

        def work(cur: Any) -> bool:
            cur.execute(sql, {"id": message.id, "now": now})
            return bool(cur.rowcount)

        return self._write(work)

    def wake(self, topic: str, message_id: int) -> bool:
        """Make a waiting message of `topic` claimable now, by its id.

        A message published with a `delay` (or deferred) waits as the head of its key until
        its time comes; whoever it waits for wakes it early (a reply whose file has been
        fetched). Joins the caller's transaction; the topic's listeners hear of it after the
        commit. False when the message is not waiting (already visible, claimed, done or dead).
        """
        sql, now = self._sql["WAKE"], self.clock()

        def work(cur: Any) -> bool:
            cur.execute(sql, {"id": message_id, "topic": topic, "now": now})
            if not cur.rowcount:
                return False
            self._published(topic)
            return True

        return self._write(work)

    def followers_waiting(self, message: Message) -> int:
        """How many messages of `message`'s topic and key are queued behind it (a read)."""
        if message.key is None:
            return 0
        rows = self._read(
            self._sql["FOLLOWERS_WAITING"],
            {"topic": message.topic, "key": message.key, "id": message.id},
        )
        return int(rows[0][0]) if rows else 0

    def waiting(self, topic: str, key: str) -> bool:
        """Whether `topic` holds a message of `key` not yet settled (ready, deferred or
        claimed): a message published there now would be handled after it (a read)."""
        return bool(self._read(self._sql["KEY_WAITING"], {"topic": topic, "key": key}))

    def claim_followers(
        self, head: Message, *, lease: float, consumer: str = "", limit: int = 20
    ) -> list[Message]:
        """Claim up to `limit` messages queued behind `head` (same topic and key), in order.

        The caller must hold `head`: that is checked in the same transaction.

        Raises:
            LeaseLost: `head` is no longer the caller's.
        """
        if head.key is None:
            return []
        now = self.clock()
        token, sql = self._sql["CLAIM_TOKEN"], self._sql["CLAIM_FOLLOWERS"]
        params = {
            "topic": head.topic,
            "key": head.key,
            "id": head.id,
            "limit": limit,
            "lease_until": now + lease,
            "consumer": consumer[:100],
        }

        def work(cur: Any) -> list[Any]:
            cur.execute(token, {"id": head.id})
            row = cur.fetchone()
            if row is None or row[0] != "claimed" or int(row[1]) != head.attempt:
                raise LeaseLost(head.id)
            cur.execute(sql, params)
            return list(cur.fetchall())

        return sorted(map(_message, self._write(work)), key=lambda m: m.id)

    def extend(self, message: Message, *, lease: float) -> Message:
        """Extend a claim's lease to `lease` seconds from now; returns the updated message."""
        until = self.clock() + lease
        self._settle("EXTEND", [message], lease_until=until)
        return Message(**{**_fields(message), "lease_until": until})

    def ping(self) -> None:
        """Run a trivial query; raises `BusUnavailable` when the database cannot answer."""
        self.db.ping()

    def close(self) -> None:
        """Release the doorbell; close the database if the bus opened it."""
        if self.doorbell is not None:
            self.doorbell.close()
        if self._owns_database:
            self.db.close()

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
    "DEFER",
    "UNDEFER",
    "WAKE",
    "FOLLOWERS_WAITING",
    "KEY_WAITING",
    "CLAIM_FOLLOWERS",
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


def _messages(rows: list[Any]) -> list[Message]:
    """The claimed messages of a claim's rows, by id (rows that became dead are left out)."""
    return sorted((_message(r) for r in rows if r[10] == "claimed"), key=lambda m: m.id)


def _message(r: Any) -> Message:
    """A message from a row of the queue's `COLUMNS`."""
    return Message(
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
