"""The 24-hour customer-service window, tracked per conversation in ``whatsapp_conversations``.

A business may send free-form messages only within 24 hours of the customer's last message;
outside it only approved templates go through (131047 otherwise, often reported later as a
``failed`` status). The window is computed from Meta's timestamp of the newest inbound
message, minus a safety margin for clock disagreement at the edge. A 131047 failure marks the
conversation so no further free-form reply is tried until the customer writes again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread
import structlog
from onebox_bus import BusUnavailable
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ._schema import conversations as _table

Clock = Callable[[], float]
_T = TypeVar("_T")
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


class ConversationWindows:
    """Reads and writes ``whatsapp_conversations`` on the shared database.

    Args:
        engine: an engine on the shared database (`onebox_bus.create_engine`).
        clock: the time source for ``updated_at``.
    """

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def record_inbound(self, seen: Sequence[tuple[str, float]]) -> None:
        """Record customer messages, as (conversation id, Meta timestamp), in one transaction."""
        if not seen:
            return
        newest: dict[str, float] = {}
        for conversation_id, at in seen:
            newest[conversation_id] = max(at, newest.get(conversation_id, at))
        now = self.clock()
        stmt = self._insert(_table)
        new = stmt.excluded.last_inbound_at
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.conversation_id],
            set_={
                "last_inbound_at": case(
                    (_table.c.last_inbound_at.is_(None), new),
                    (new > _table.c.last_inbound_at, new),
                    else_=_table.c.last_inbound_at,
                ),
                "reengagement_required_at": case(
                    (new > _table.c.reengagement_required_at, None),
                    else_=_table.c.reengagement_required_at,
                ),
                "reengagement_reason": case(
                    (new > _table.c.reengagement_required_at, None),
                    else_=_table.c.reengagement_reason,
                ),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        rows = [
            {"conversation_id": c, "last_inbound_at": at, "updated_at": now}
            for c, at in sorted(newest.items())
        ]
        self._run(lambda conn: conn.execute(stmt, rows), write=True)

    def mark_reengagement_required(self, conversation_id: str, *, at: float, reason: str) -> None:
        """Stop free-form replies to a conversation until the customer writes after `at`."""
        stmt = self._insert(_table).values(
            conversation_id=conversation_id,
            reengagement_required_at=at,
            reengagement_reason=reason[:500],
            updated_at=self.clock(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.conversation_id],
            set_={
                # A customer message newer than the failure already reopened the window.
                "reengagement_required_at": case((_table.c.last_inbound_at > at, None), else_=at),
                "reengagement_reason": case(
                    (_table.c.last_inbound_at > at, None), else_=reason[:500]
                ),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        self._run(lambda conn: conn.execute(stmt), write=True)

    def state(self, conversation_id: str) -> WindowState:
        """The conversation's window state (empty when nothing is known)."""
        query = select(
            _table.c.last_inbound_at,
            _table.c.reengagement_required_at,
            _table.c.reengagement_reason,
        ).where(_table.c.conversation_id == conversation_id)
        row = self._run(lambda conn: conn.execute(query).first(), write=False)
        if row is None:
            return WindowState()
        return WindowState(
            last_inbound_at=row[0], reengagement_required_at=row[1], reengagement_reason=row[2]
        )

    def _run(self, work: Callable[[Connection], _T], *, write: bool) -> _T:
        try:
            with self.engine.begin() if write else self.engine.connect() as conn:
                return work(conn)
        except OperationalError as exc:  # locked past the busy timeout, disk full, gone
            raise BusUnavailable(f"database cannot take the write: {exc.orig}") from exc


class InboundRecorder:
    """Writes the window rows of webhook requests behind them, coalesced into few commits.

    The inbound message itself is durable before the webhook answers 200 (the bus); the
    window row is not needed for that, so it is written just after, many requests per
    transaction. If the process dies in between, the reply still carries its inbound
    message's arrival time, which the channel uses as a lower bound of the window.
    """

    def __init__(self, windows: ConversationWindows) -> None:
        self.windows = windows
        self._pending: list[tuple[str, float]] = []
        self._writer: asyncio.Task[None] | None = None
        self.failures = 0

    def record_soon(self, seen: list[tuple[str, float]]) -> None:
        """Queue customer messages, as (conversation id, Meta timestamp), for writing."""
        if not seen:
            return
        self._pending.extend(seen)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def flush(self) -> None:
        """Wait until everything queued so far is written (or has failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._pending:
            rows, self._pending = self._pending, []
            try:
                await anyio.to_thread.run_sync(self.windows.record_inbound, rows)
            except BusUnavailable as exc:
                self.failures += 1
                log.warning("whatsapp.window_write_failed", rows=len(rows), error=str(exc))
