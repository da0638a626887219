"""The 24-hour customer-service window, tracked per conversation in ``whatsapp_conversations``.

A business may send free-form messages only within 24 hours of the customer's last message;
outside it only approved templates go through (131047 otherwise, often reported later as a
``failed`` status). The window is computed from Meta's timestamp of the newest inbound
message, minus a safety margin for clock disagreement at the edge. A 131047 failure marks the
conversation so no further free-form reply is tried until the customer writes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from onebox_bus import Clock, Database, WriteBehind
from onebox_bus.compiled import Compiled
from sqlalchemy import Insert, bindparam, case, null, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ._schema import conversations as table

log = structlog.get_logger("onebox.whatsapp.window")
WINDOW = 24 * 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowState:
    """What is known about one conversation's window."""

    last_inbound_at: float | None = None
    reengagement_required_at: float | None = None
    reengagement_reason: str | None = None


def closed_reason(
    state: WindowState, *, now: float, window: float = WINDOW, margin: float = 60.0
) -> str | None:
    """Why a free-form reply must not be sent now, or None when it may.

    With no known inbound message the platform is left to decide (None).
    """
    if state.reengagement_required_at is not None:
        why = state.reengagement_reason or "re-engagement required"
        return f"re-engagement required (131047): {why}"
    if state.last_inbound_at is None:
        return None
    age = now - state.last_inbound_at
    if age > window - margin:
        return (
            f"outside the 24-hour window: the customer's last message is {age / 3600:.1f} h old"
            " and only an approved template may be sent"
        )
    return None


def _upserts(kind: str) -> tuple[Insert, Insert]:
    """The two upserts in `kind`'s spelling (SQLite or PostgreSQL), bound at execution."""
    w = table.c
    insert = postgresql.insert if kind == "postgresql" else sqlite.insert
    inbound = insert(table).values(
        conversation_id=bindparam("cid"),
        last_inbound_at=bindparam("at"),
        updated_at=bindparam("now"),
    )
    new = inbound.excluded
    reopened = new.last_inbound_at > w.reengagement_required_at
    inbound_upsert = inbound.on_conflict_do_update(
        index_elements=[w.conversation_id],
        set_={
            "last_inbound_at": case(
                (or_(w.last_inbound_at.is_(None), new.last_inbound_at > w.last_inbound_at),
                 new.last_inbound_at),
                else_=w.last_inbound_at,
            ),
            "reengagement_required_at": case((reopened, null()), else_=w.reengagement_required_at),
            "reengagement_reason": case((reopened, null()), else_=w.reengagement_reason),
            "updated_at": new.updated_at,
        },
    )  # fmt: skip
    # A customer message newer than the failure already reopened the window.
    failed = insert(table).values(
        conversation_id=bindparam("cid"),
        reengagement_required_at=bindparam("at"),
        reengagement_reason=bindparam("reason"),
        updated_at=bindparam("now"),
    )
    answered = w.last_inbound_at > bindparam("at")
    failed_upsert = failed.on_conflict_do_update(
        index_elements=[w.conversation_id],
        set_={
            "reengagement_required_at": case((answered, null()), else_=bindparam("at")),
            "reengagement_reason": case((answered, null()), else_=bindparam("reason")),
            "updated_at": failed.excluded.updated_at,
        },
    )
    return inbound_upsert, failed_upsert


_UPSERTS = {kind: _upserts(kind) for kind in ("sqlite", "postgresql")}
_STATE = select(
    table.c.last_inbound_at, table.c.reengagement_required_at, table.c.reengagement_reason
).where(table.c.conversation_id == bindparam("cid"))


class ConversationWindows:
    """Reads and writes ``whatsapp_conversations`` on the process's `Database`.

    Every method is one statement or one transaction on the calling thread's connection, so
    async code can run it with `Database.run` (inline on the event loop when SQLite's lock
    is free) and a caller inside `Database.transaction` gets it in its transaction.

    Args:
        db: the shared database.
        clock: the time source for ``updated_at``.

    Raises (every method):
        BusUnavailable: the database cannot take the read or write now.
    """

    def __init__(self, db: Database, *, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        inbound, self._failed = _UPSERTS[db.kind]
        # On every webhook's and every reply's path: run on the driver's cursor.
        self._inbound = Compiled(inbound, db.kind)
        self._state = Compiled(_STATE, db.kind)

    def record_inbound(self, seen: Sequence[tuple[str, float]]) -> None:
        """Record customer messages, as (conversation id, Meta timestamp), in one transaction."""
        if not seen:
            return
        newest: dict[str, float] = {}
        for conversation_id, at in seen:
            newest[conversation_id] = max(at, newest.get(conversation_id, at))
        now = self.clock()
        rows = [{"cid": cid, "at": at, "now": now} for cid, at in sorted(newest.items())]
        with self.db.transaction() as conn:
            self._inbound.executemany(conn, rows)

    def mark_reengagement_required(self, conversation_id: str, *, at: float, reason: str) -> None:
        """Stop free-form replies to a conversation until the customer writes after `at`."""
        params = {"cid": conversation_id, "at": at, "reason": reason[:500], "now": self.clock()}
        self.db.write(lambda conn: conn.execute(self._failed, params))

    def state(self, conversation_id: str) -> WindowState:
        """The conversation's window state (empty when nothing is known)."""
        row = self.db.read(lambda conn: self._state.first(conn, {"cid": conversation_id}))
        if row is None:
            return WindowState()
        return WindowState(
            last_inbound_at=row[0], reengagement_required_at=row[1], reengagement_reason=row[2]
        )


class InboundRecorder:
    """Writes the window rows of webhook requests behind them, coalesced into few commits.

    The inbound message itself is durable before the webhook answers 200 (the bus); the window
    row is not needed for that, so it is written just after, many requests per transaction, as
    one unit of the database's batcher (`Database.unit`), in the same commit as the next
    webhooks' messages. If the process dies in
    between, the reply still carries its inbound message's arrival time, which the channel uses
    as a lower bound of the window.
    """

    def __init__(self, windows: ConversationWindows) -> None:
        self.windows = windows
        self._behind: WriteBehind[tuple[str, float]] = WriteBehind(
            self._write, on_error=self._failed
        )

    @property
    def failures(self) -> int:
        """Batches whose write failed (their rows are lost; the replies' own bound remains)."""
        return self._behind.failures

    def record_soon(self, seen: list[tuple[str, float]]) -> None:
        """Queue customer messages, as (conversation id, Meta timestamp), for writing."""
        self._behind.add(*seen)

    async def flush(self) -> None:
        """Wait until everything queued so far is written (or has failed)."""
        await self._behind.flush()

    async def _write(self, rows: list[tuple[str, float]]) -> None:
        # A unit of the database's batcher: the rows share the commit (and, under
        # synchronous=FULL, the fsync) of the publishes of the webhooks arriving meanwhile.
        await self.windows.db.unit(lambda _conn: self.windows.record_inbound(rows))

    def _failed(self, exc: Exception, rows: list[tuple[str, float]]) -> None:
        log.warning("whatsapp.window_write_failed", rows=len(rows), error=str(exc))
