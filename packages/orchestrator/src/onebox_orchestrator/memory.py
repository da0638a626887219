"""Conversation memory: the last turns of each conversation, fed to the router as history.

Turns live in ``orchestrator_turns`` (this package's Alembic branch). `record` takes the
connection of the unit of work that publishes the reply and acks the inbound message, so
memory and the bus never disagree; each turn records how it was made (`Origin`), and the
conversation's row in ``orchestrator_conversations`` (what the owner's view lists) is upserted
in the same statement batch. Turns older than the retention are not read; the retention worker
deletes them (`onebox_orchestrator.retention`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from onebox_bus import Database
from onebox_bus.compiled import Compiled
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ._schema import conversations, turns

Role = Literal["user", "assistant"]
Origin = Literal[
    "customer", "relayed", "cache", "model", "faq", "greeting", "fallback", "holding",
    "handoff", "fixed", "operator",
]  # fmt: skip
"""How a turn was made: a customer's message (``relayed`` when it went to a person), or a
reply from the response cache, a model, the offline FAQ (an entry or a greeting), the offline
fallback (no FAQ entry matched), a holding reply (the router failed), the reply that hands the
conversation to a person, a fixed reply (content the bot cannot read), or a person."""

# Built once: `record` and `recent` are on every message's path.
_INSERT = {
    "sqlite": sqlite.insert(turns).on_conflict_do_nothing(index_elements=["inbound_id", "role"]),
    "postgresql": postgresql.insert(turns).on_conflict_do_nothing(
        index_elements=["inbound_id", "role"]
    ),
}
_TURN_COLUMNS = (
    "conversation_key", "inbound_id", "channel", "correlation_id", "created_at", "role", "text",
    "provider", "origin", "model", "question_group",
)  # fmt: skip
_RECENT = (
    select(turns.c.role, turns.c.text, turns.c.provider, turns.c.created_at, turns.c.correlation_id)
    .where(
        turns.c.conversation_key == bindparam("conversation_key"),
        turns.c.created_at >= bindparam("since"),
    )
    .order_by(turns.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
_UPSERT_CONVERSATION = {
    kind: (
        dialect.insert(conversations).on_conflict_do_update(
            index_elements=["conversation_key"],
            set_={
                "last_at": dialect.insert(conversations).excluded.last_at,
                "last_text": dialect.insert(conversations).excluded.last_text,
                "customer_name": func.coalesce(
                    dialect.insert(conversations).excluded.customer_name,
                    conversations.c.customer_name,
                ),
            },
        )
    )
    for kind, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_LAST_ID = func.max(turns.c.id)
_CONVERSATIONS = (
    select(turns.c.conversation_key, turns.c.channel, func.count(), func.max(turns.c.created_at))
    .group_by(turns.c.conversation_key, turns.c.channel)
    .order_by(_LAST_ID.desc())
    .limit(bindparam("limit", type_=Integer))
)


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

    All methods are synchronous: async callers run them with `Database.run`.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_turns: int = 12,
        retention: float = 30 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.max_turns = max_turns
        self.retention = retention
        self.clock = clock
        # Run on the driver's cursor: these three statements are on every message's path.
        self._insert = Compiled(_INSERT[db.kind], db.kind, columns=_TURN_COLUMNS)
        self._upsert = Compiled(_UPSERT_CONVERSATION[db.kind], db.kind)
        self._recent = Compiled(_RECENT, db.kind)

    def recent(self, conversation_key: str, *, limit: int | None = None) -> list[StoredTurn]:
        """The conversation's last turns, oldest first (none older than the retention)."""
        params = {
            "conversation_key": conversation_key,
            "since": self.clock() - self.retention,
            "limit": self.max_turns if limit is None else limit,
        }
        rows = self.db.read(lambda conn: self._recent.rows(conn, params))
        return [
            StoredTurn(
                role=r[0], text=r[1], provider=r[2], created_at=float(r[3]), correlation_id=r[4]
            )
            for r in reversed(rows)
        ]

    def record(
        self,
        conn: Connection,
        *,
        conversation_key: str,
        inbound_id: int,
        channel: str,
        correlation_id: str | None,
        user_text: str,
        reply_text: str,
        provider: str | None,
        origin: Origin | None = None,
        model: str | None = None,
        question_group: int | None = None,
        customer_name: str | None = None,
    ) -> None:
        """Store the customer's turn and the reply on `conn` (the unit of work's transaction).

        `origin` and `model` say how the reply was made; `question_group` is the unanswered
        group of a question the bot could not answer (`QuestionGroups.assign`).
        """
        now = self.clock()
        common = {
            "conversation_key": conversation_key,
            "inbound_id": inbound_id,
            "channel": channel,
            "correlation_id": correlation_id,
            "created_at": now,
        }
        self._insert.executemany(
            conn,
            [
                {
                    **common, "role": "user", "text": user_text, "provider": None,
                    "origin": "customer", "model": None, "question_group": question_group,
                },
                {
                    **common, "role": "assistant", "text": reply_text, "provider": provider,
                    "origin": origin, "model": model, "question_group": None,
                },
            ],
        )  # fmt: skip
        self._touch(
            conn, conversation_key, channel=channel, at=now, text=user_text, name=customer_name
        )

    def _touch(
        self, conn: Connection, key: str, *, channel: str, at: float, text: str, name: str | None
    ) -> None:
        self._upsert.execute(
            conn,
            {
                "conversation_key": key,
                "channel": channel,
                "customer_name": name[:200] if name else None,
                "first_at": at,
                "last_at": at,
                "last_text": text[:300],
            },
        )

    def record_turn(
        self,
        conn: Connection,
        *,
        conversation_key: str,
        inbound_id: int,
        channel: str,
        correlation_id: str | None,
        role: Role,
        text: str,
        provider: str | None = None,
        origin: Origin | None = None,
        customer_name: str | None = None,
    ) -> None:
        """Store one turn on `conn`: a message relayed to a person, or a person's reply."""
        now = self.clock()
        self._insert.executemany(
            conn,
            [
                {
                    "conversation_key": conversation_key,
                    "inbound_id": inbound_id,
                    "channel": channel,
                    "correlation_id": correlation_id,
                    "created_at": now,
                    "role": role,
                    "text": text,
                    "provider": provider,
                    "origin": origin,
                    "model": None,
                    "question_group": None,
                }
            ],
        )
        self._touch(conn, conversation_key, channel=channel, at=now, text=text, name=customer_name)

    def key_of(self, correlation_id: str) -> str | None:
        """The conversation a turn with `correlation_id` belongs to, if one is remembered."""
        query = (
            select(turns.c.conversation_key)
            .where(turns.c.correlation_id == correlation_id)
            .limit(1)
        )
        return self.db.read(lambda conn: conn.execute(query).scalar())

    def conversations(self, *, limit: int = 50) -> list[ConversationSummary]:
        """The most recently active conversations, newest first."""
        rows = self.db.read(lambda conn: conn.execute(_CONVERSATIONS, {"limit": limit}).all())
        return [
            ConversationSummary(key=r[0], channel=r[1], turns=int(r[2]), last_at=float(r[3]))
            for r in rows
        ]
