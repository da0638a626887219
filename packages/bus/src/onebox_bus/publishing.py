"""The bus's publishing side: validate, encode and store messages, alone, in runs, or grouped.

A mixin of `Bus`: it uses the bus's connection and transaction machinery. `publish_many`
writes one transaction (runs without a dedupe key as one ``executemany`` on SQLite);
`publish_async` hands its message to the database's `Batcher`, which writes the publishes of
concurrent callers in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import _dialect
from ._doorbell_pg import CHANNEL
from .errors import PayloadError
from .payload import Publish, check_topic, encode_payload

if TYPE_CHECKING:
    from .database import Database


class Publishing:
    """`prepare`, `publish`, `publish_many` and `publish_async` (mixed into `Bus`)."""

    clock: Callable[[], float]
    dialect: _dialect.Dialect
    max_payload_bytes: int
    _sql: dict[str, str]
    db: Database
    # Provided by `Bus`: short write transactions, and the note that a topic got a message.
    _write: Callable[[Callable[[Any], Any]], Any]
    _published: Callable[[str], None]
    _notify: Callable[[str], None]
    _insert_alone: str

    def prepare(
        self,
        topic: str,
        payload: Any,
        *,
        key: str | None = None,
        dedupe_key: str | None = None,
        correlation_id: str | None = None,
        delay: float = 0.0,
        max_attempts: int = 5,
    ) -> Publish:
        """Validate and encode one message without writing it.

        Raises:
            PayloadError: bad topic, payload not JSON, payload too large, bad max_attempts.
        """
        check_topic(topic)
        if max_attempts < 1:
            raise PayloadError(f"max_attempts must be at least 1, not {max_attempts!r}")
        if delay < 0:
            raise PayloadError(f"delay must not be negative, not {delay!r}")
        return Publish(
            topic=topic,
            payload=encode_payload(payload, limit=self.max_payload_bytes),
            key=key,
            dedupe_key=dedupe_key,
            correlation_id=correlation_id,
            delay=delay,
            max_attempts=max_attempts,
        )

    def publish(
        self,
        topic: str,
        payload: Any,
        *,
        key: str | None = None,
        dedupe_key: str | None = None,
        correlation_id: str | None = None,
        delay: float = 0.0,
        max_attempts: int = 5,
    ) -> int:
        """Store one message and return its id.

        A message whose (topic, dedupe_key) already exists is not stored again: the first
        message's id is returned.
        """
        item = self.prepare(
            topic,
            payload,
            key=key,
            dedupe_key=dedupe_key,
            correlation_id=correlation_id,
            delay=delay,
            max_attempts=max_attempts,
        )
        return self.publish_many([item])[0]

    def publish_many(self, items: Sequence[Publish]) -> list[int]:
        """Store several prepared messages in one transaction; ids in the same order."""
        if not items:
            return []
        now = self.clock()
        sql = self._sql
        sqlite = self.dialect.kind == "sqlite"

        def work(cur: Any) -> list[int]:
            ids: list[int] = []
            plain: list[Publish] = []
            for item in [*items, None]:
                if item is not None and item.dedupe_key is None:
                    plain.append(item)
                    continue
                if plain:
                    ids += self._insert_plain(cur, [_row(p, now) for p in plain], sqlite=sqlite)
                    for topic in {p.topic for p in plain}:
                        self._published(topic)
                    plain = []
                if item is None:
                    break
                row_params = _row(item, now)
                cur.execute(sql["INSERT_DEDUPED"], row_params)
                row = cur.fetchone()
                if row is None:
                    cur.execute(sql["SELECT_BY_DEDUPE"], row_params)
                    row = cur.fetchone()
                else:
                    self._published(item.topic)
                ids.append(int(row[0]))
            return ids

        ids: list[int] = self._write(work)
        return ids

    def _insert_plain(self, cur: Any, rows: list[dict[str, Any]], *, sqlite: bool) -> list[int]:
        """Insert rows that cannot conflict; their ids in order.

        On SQLite a run is one ``executemany``: inside our write transaction nobody else
        inserts, and SQLite gives each new row the largest rowid plus one, so the ids are the
        previous maximum + 1 .. + n. The maximum is checked afterwards; should SQLite ever
        pick differently (only past rowid 2**63 - 1), the rows are looked up one by one.
        """
        if not sqlite:
            ids = []
            for row in rows:
                cur.execute(self._sql["INSERT_PLAIN_RETURNING"], row)
                ids.append(int(cur.fetchone()[0]))
            return ids
        if len(rows) == 1:
            cur.execute(self._sql["INSERT_PLAIN"], rows[0])
            return [int(cur.lastrowid)]
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM bus_messages")
        before = int(cur.fetchone()[0])
        cur.executemany(self._sql["INSERT_PLAIN"], rows)
        cur.execute("SELECT MAX(id) FROM bus_messages")
        if int(cur.fetchone()[0]) == before + len(rows):
            return list(range(before + 1, before + len(rows) + 1))
        cur.execute(  # pragma: no cover - SQLite's rowid choice past the 64-bit maximum
            "SELECT id FROM bus_messages WHERE id > :before ORDER BY id", {"before": before}
        )
        return [int(r[0]) for r in cur.fetchall()]  # pragma: no cover

    async def publish_alone_async(self, item: Publish) -> int:
        """Store one prepared message from async code as ONE statement on PostgreSQL.

        It runs alone in autocommit on the event loop's own connection (`Database.alone_async`):
        one round trip, durable like any commit, no worker thread. The batcher writes a lone
        publish this way; concurrent ones still share a transaction.
        """
        params = {**_row(item, self.clock()), "channel": CHANNEL}
        rows = await self.db.alone_async(self._insert_alone, params)
        if not rows:  # its dedupe key was taken: the first message's id
            rows = await self.db.alone_async(self._sql["SELECT_BY_DEDUPE"], params)
            return int(rows[0][0])
        self._notify(item.topic)
        return int(rows[0][0])

    async def publish_async(
        self,
        topic: str,
        payload: Any,
        *,
        key: str | None = None,
        dedupe_key: str | None = None,
        correlation_id: str | None = None,
        delay: float = 0.0,
        max_attempts: int = 5,
    ) -> int:
        """Publish from async code without blocking the event loop.

        Concurrent calls share commits (the database's `Batcher`); each await returns only
        after its own row is committed. Validation errors are raised before anything is queued.
        """
        item = self.prepare(
            topic,
            payload,
            key=key,
            dedupe_key=dedupe_key,
            correlation_id=correlation_id,
            delay=delay,
            max_attempts=max_attempts,
        )
        return await self.db.batcher.publish(self, item)


def _row(item: Publish, now: float) -> dict[str, Any]:
    """The insert statements' parameters for one message published at `now`."""
    return {
        "topic": item.topic,
        "key": item.key,
        "dedupe_key": item.dedupe_key,
        "correlation_id": item.correlation_id,
        "payload": item.payload,
        "max_attempts": item.max_attempts,
        "visible_at": now + item.delay,
        "created_at": now,
    }
