"""Conversation memory: the last turns of each conversation, fed to the router as history.

Turns live in ``orchestrator_turns`` (this package's Alembic branch). `record` must run inside
the `Bus.transaction()` that publishes the reply and acks the inbound message, so memory and
the bus never disagree; `purge` deletes turns older than the retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from onebox_bus import Bus

from . import _db

Role = Literal["user", "assistant"]

_INSERT_PAIR = (
    "INSERT INTO orchestrator_turns (conversation_key, inbound_id, role, text, channel, "
    "correlation_id, provider, created_at) VALUES "
    "(:conversation_key, :inbound_id, 'user', :user_text, :channel, :correlation_id, NULL, "
    ":created_at), "
    "(:conversation_key, :inbound_id, 'assistant', :reply_text, :channel, :correlation_id, "
    ":provider, :created_at) "
    "ON CONFLICT (inbound_id, role) DO NOTHING"
)
_RECENT = (
    "SELECT role, text, provider, created_at, correlation_id FROM orchestrator_turns "
    "WHERE conversation_key = :conversation_key AND created_at >= :since "
    "ORDER BY id DESC LIMIT :limit"
)
_CONVERSATIONS = (
    "SELECT conversation_key, channel, COUNT(*), MAX(created_at), MAX(id) "
    "FROM orchestrator_turns GROUP BY conversation_key, channel ORDER BY MAX(id) DESC LIMIT :limit"
)
_PURGE = "DELETE FROM orchestrator_turns WHERE created_at < :before"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTurn:
    """One remembered turn of a conversation."""

    role: Role
    text: str
    created_at: float
    provider: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationSummary:
    """A conversation as the admin API lists it."""

    key: str
    channel: str
    turns: int
    last_at: float


class ConversationMemory:
    """The last `max_turns` turns per conversation, kept for `retention` seconds.

    All methods are synchronous (the bus is): async callers run them on a worker thread.
    """

    def __init__(
        self,
        bus: Bus,
        *,
        max_turns: int = 12,
        retention: float = 30 * 86400.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.bus = bus
        self.max_turns = max_turns
        self.retention = retention
        self.clock = clock or bus.clock

    def recent(self, conversation_key: str, *, limit: int | None = None) -> list[StoredTurn]:
        """The conversation's last turns, oldest first (none older than the retention)."""
        rows = _db.fetchall(
            self.bus,
            _RECENT,
            {
                "conversation_key": conversation_key,
                "since": self.clock() - self.retention,
                "limit": self.max_turns if limit is None else limit,
            },
        )
        return [
            StoredTurn(
                role=r[0], text=r[1], provider=r[2], created_at=float(r[3]), correlation_id=r[4]
            )
            for r in reversed(rows)
        ]

    def record(
        self,
        *,
        conversation_key: str,
        inbound_id: int,
        channel: str,
        correlation_id: str | None,
        user_text: str,
        reply_text: str,
        provider: str | None,
    ) -> None:
        """Store the customer's turn and the reply (call inside `bus.transaction()`)."""
        _db.execute(
            self.bus,
            _INSERT_PAIR,
            {
                "conversation_key": conversation_key,
                "inbound_id": inbound_id,
                "channel": channel,
                "correlation_id": correlation_id,
                "user_text": user_text,
                "reply_text": reply_text,
                "provider": provider,
                "created_at": self.clock(),
            },
        )

    def conversations(self, *, limit: int = 50) -> list[ConversationSummary]:
        """The most recently active conversations, newest first."""
        rows = _db.fetchall(self.bus, _CONVERSATIONS, {"limit": limit})
        return [
            ConversationSummary(key=r[0], channel=r[1], turns=int(r[2]), last_at=float(r[3]))
            for r in rows
        ]

    def purge(self) -> int:
        """Delete turns older than the retention; returns how many."""
        with self.bus.transaction():
            cursor = _db.execute(self.bus, _PURGE, {"before": self.clock() - self.retention})
            return int(cursor.rowcount)
