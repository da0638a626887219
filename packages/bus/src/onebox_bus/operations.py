"""The bus's operations side: statistics, dead letters, retention and WAL upkeep.

A mixin of `Bus`: it uses the bus's connection, transaction and clock machinery and adds
what an operator (the CLI, the exporter, the dashboard) needs beside publish and claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from . import _dialect
from .message import BusStats, DeadLetter, TopicStats

DEFAULT_RETENTION = 7 * 86400.0

_T = TypeVar("_T")


class _Write(Protocol):
    """`Bus._write`: runs `work` in one short write transaction and returns its result."""

    def __call__(self, work: Callable[[Any], _T]) -> _T: ...


class Operations:
    """Statistics, dead letters, purges and checkpoints (mixed into `Bus`)."""

    clock: Callable[[], float]
    dialect: _dialect.Dialect
    _sql: dict[str, str]
    _published: Callable[[str], None]
    # Provided by `Bus`: reads, short write transactions, the thread's cursor, error mapping.
    _read: Callable[[str, dict[str, Any]], list[Any]]
    _write: _Write
    _cursor: Callable[[], Any]
    _translate: Callable[[BaseException], BaseException]

    def stats(self) -> BusStats:
        """Counts per topic and state, the oldest ready message's age, and the WAL size."""
        now = self.clock()
        counts: dict[str, dict[str, Any]] = {}
        rows = self._read(self._sql["STATS_ACTIVE"], {})
        rows += self._read(self._sql["STATS_FINISHED"], {})
        for topic, state, count, oldest in rows:
            entry = counts.setdefault(topic, {"oldest_ready_age_s": 0.0})
            entry[state] = int(count)
            if state == "ready" and oldest is not None:
                entry["oldest_ready_age_s"] = max(0.0, now - float(oldest))
        topics = {t: TopicStats(**c) for t, c in sorted(counts.items())}
        return BusStats(topics, wal_bytes=_dialect.wal_bytes(self.dialect))

    def dead_letters(self, *, topic: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """The dead letters, oldest first."""
        rows = self._read(self._sql["DEAD_LIST"], {"topic": topic, "limit": limit})
        return [
            DeadLetter(
                id=int(r[0]),
                topic=r[1],
                payload=bytes(r[2]),
                key=r[3],
                correlation_id=r[4],
                attempts=int(r[5]),
                error=r[6],
                created_at=float(r[7]),
                finished_at=None if r[8] is None else float(r[8]),
            )
            for r in rows
        ]

    def replay_dead(self, ids: Sequence[int] | None = None, *, topic: str | None = None) -> int:
        """Make dead letters ready again with fresh attempts; returns how many."""
        now = self.clock()

        def work(cur: Any) -> int:
            if ids is None:
                cur.execute(self._sql["REPLAY_DEAD_TOPIC"], {"topic": topic, "now": now})
                changed = cur.rowcount
            else:
                changed = 0
                for id_ in ids:
                    cur.execute(self._sql["REPLAY_DEAD"], {"id": id_, "now": now})
                    changed += cur.rowcount
            if changed:
                self._published(topic or "*")
            return int(changed)

        return self._write(work)

    def purge_dead(
        self,
        ids: Sequence[int] | None = None,
        *,
        topic: str | None = None,
        older_than: float = 0.0,
    ) -> int:
        """Delete dead letters (by id, or by topic and age); returns how many."""
        before = self.clock() - older_than

        def work(cur: Any) -> int:
            if ids is None:
                cur.execute(self._sql["PURGE_DEAD_TOPIC"], {"topic": topic, "before": before})
                return int(cur.rowcount)
            count = 0
            for id_ in ids:
                cur.execute(self._sql["PURGE_DEAD"], {"id": id_})
                count += cur.rowcount
            return count

        return self._write(work)

    def purge_done(self, *, older_than: float = DEFAULT_RETENTION, batch: int = 5000) -> int:
        """Delete done messages finished more than `older_than` seconds ago; returns how many.

        Runs in slices of `batch` rows, each its own short transaction.
        """
        before = self.clock() - older_than
        total = 0
        while True:

            def work(cur: Any) -> int:
                cur.execute(self._sql["PURGE_DONE"], {"before": before, "limit": batch})
                return int(cur.rowcount)

            deleted = self._write(work)
            total += deleted
            if deleted < batch:
                return total

    def checkpoint(self, *, truncate: bool = False) -> int:
        """Checkpoint the SQLite WAL into the database; returns the WAL size afterwards.

        PASSIVE by default (never waits for readers); ``truncate=True`` (when idle) also
        shrinks the ``-wal`` file to zero. A no-op on PostgreSQL.
        """
        if self.dialect.kind != "sqlite":
            return 0
        mode = "TRUNCATE" if truncate else "PASSIVE"
        try:
            self._cursor().execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except Exception as exc:
            if not _dialect.is_busy(exc):
                raise self._translate(exc) from exc
        return _dialect.wal_bytes(self.dialect)
