"""The 24-hour customer-service window, tracked per conversation in ``whatsapp_conversations``.

A business may send free-form messages only within 24 hours of the customer's last message;
outside it only approved templates go through (131047 otherwise, often reported later as a
``failed`` status). The window is computed from Meta's timestamp of the newest inbound
message, minus a safety margin for clock disagreement at the edge. A 131047 failure marks the
conversation so no further free-form reply is tried until the customer writes again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
from onebox_bus import Bus, WriteBehind

Clock = Callable[[], float]
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


_UPSERT_INBOUND = """
INSERT INTO whatsapp_conversations AS w (conversation_id, last_inbound_at, updated_at)
VALUES (:conversation_id, :at, :now)
ON CONFLICT (conversation_id) DO UPDATE SET
    last_inbound_at = CASE
        WHEN w.last_inbound_at IS NULL OR excluded.last_inbound_at > w.last_inbound_at
        THEN excluded.last_inbound_at ELSE w.last_inbound_at END,
    reengagement_required_at = CASE
        WHEN excluded.last_inbound_at > w.reengagement_required_at
        THEN NULL ELSE w.reengagement_required_at END,
    reengagement_reason = CASE
        WHEN excluded.last_inbound_at > w.reengagement_required_at
        THEN NULL ELSE w.reengagement_reason END,
    updated_at = excluded.updated_at
"""

# A customer message newer than the failure already reopened the window.
_UPSERT_REENGAGEMENT = """
INSERT INTO whatsapp_conversations AS w
    (conversation_id, reengagement_required_at, reengagement_reason, updated_at)
VALUES (:conversation_id, :at, :reason, :now)
ON CONFLICT (conversation_id) DO UPDATE SET
    reengagement_required_at = CASE
        WHEN w.last_inbound_at > :at THEN NULL ELSE :at END,
    reengagement_reason = CASE
        WHEN w.last_inbound_at > :at THEN NULL ELSE :reason END,
    updated_at = excluded.updated_at
"""

_STATE = """
SELECT last_inbound_at, reengagement_required_at, reengagement_reason
FROM whatsapp_conversations WHERE conversation_id = :conversation_id
"""


class ConversationWindows:
    """Reads and writes ``whatsapp_conversations`` through the bus's connections.

    Every method is one statement or one transaction on the calling thread's connection, so
    async code can run it with `Bus.run_async` (inline on the event loop when SQLite's lock
    is free) and a caller inside `Bus.transaction` gets it in its transaction.

    Args:
        bus: the bus on the shared database.
        clock: the time source for ``updated_at``.

    Raises (every method):
        BusUnavailable: the database cannot take the read or write now.
    """

    def __init__(self, bus: Bus, *, clock: Clock) -> None:
        self.bus = bus
        self.clock = clock

    def record_inbound(self, seen: Sequence[tuple[str, float]]) -> None:
        """Record customer messages, as (conversation id, Meta timestamp), in one transaction."""
        if not seen:
            return
        newest: dict[str, float] = {}
        for conversation_id, at in seen:
            newest[conversation_id] = max(at, newest.get(conversation_id, at))
        now = self.clock()
        with self.bus.transaction():
            for conversation_id, at in sorted(newest.items()):
                self.bus.execute(
                    _UPSERT_INBOUND, {"conversation_id": conversation_id, "at": at, "now": now}
                )

    def mark_reengagement_required(self, conversation_id: str, *, at: float, reason: str) -> None:
        """Stop free-form replies to a conversation until the customer writes after `at`."""
        params = {
            "conversation_id": conversation_id,
            "at": at,
            "reason": reason[:500],
            "now": self.clock(),
        }
        with self.bus.transaction():
            self.bus.execute(_UPSERT_REENGAGEMENT, params)

    def state(self, conversation_id: str) -> WindowState:
        """The conversation's window state (empty when nothing is known)."""
        row = self.bus.execute(_STATE, {"conversation_id": conversation_id}).fetchone()
        if row is None:
            return WindowState()
        return WindowState(
            last_inbound_at=row[0], reengagement_required_at=row[1], reengagement_reason=row[2]
        )


class InboundRecorder:
    """Writes the window rows of webhook requests behind them, coalesced into few commits.

    The inbound message itself is durable before the webhook answers 200 (the bus); the window
    row is not needed for that, so it is written just after, many requests per transaction, on
    the event loop when SQLite's lock is free (`Bus.run_async`). If the process dies in
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
        await self.windows.bus.run_async(lambda: self.windows.record_inbound(rows))

    def _failed(self, exc: Exception, rows: list[tuple[str, float]]) -> None:
        log.warning("whatsapp.window_write_failed", rows=len(rows), error=str(exc))
