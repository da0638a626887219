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
from onebox_bus import BusUnavailable
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ._schema import conversations as _table

Clock = Callable[[], float]
_T = TypeVar("_T")
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
    """Coalesces the window writes of concurrent webhook requests into shared transactions.

    Each `record` call returns once its rows are committed; while one transaction runs, the
    next calls queue up and are written together, so a burst costs few commits.
    """

    def __init__(self, windows: ConversationWindows) -> None:
        self.windows = windows
        self._pending: list[tuple[list[tuple[str, float]], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, seen: list[tuple[str, float]]) -> None:
        """Record customer messages; raises what the database raised."""
        if not seen:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((seen, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await future

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            rows = [row for seen, _ in batch for row in seen]
            try:
                await anyio.to_thread.run_sync(self.windows.record_inbound, rows)
            except Exception as exc:  # noqa: BLE001 - handed to every waiting request
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
