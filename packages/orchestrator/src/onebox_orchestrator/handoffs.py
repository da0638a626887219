"""The handoff store: which conversations a person has taken over, and since when.

A handoff row is opened when a conversation escalates and an operator chat is configured
(`open` runs on the connection of the unit of work that publishes the escalation post and the
customer's reply, so they commit together). While it is open the bot is silent in that
conversation; it is closed by the operator (``/done``) or by the bot after ``idle_minutes``
without an operator message. Rows are written with SQLAlchemy Core on the process's
`Database` (reads) or the unit's `Connection` (writes); nothing here posts or decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import orjson
from onebox_bus import Database
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from ._schema import handoffs as table

HandoffState = Literal["open", "closed"]
ClosedBy = Literal["operator", "idle"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """One handoff of a conversation to a person.

    Attributes:
        id: the row's id (shown to the operator as ``#id``).
        conversation_key: the customer conversation's bus key (``whatsapp:<...>``).
        channel / conversation_id: where the customer is.
        customer_name: the customer's display name, when the platform gave one.
        state: open (a person handles it, the bot is silent) or closed.
        reason: why it escalated (`EscalationReason`).
        reply_meta: the channel details a reply to the customer needs (WhatsApp's number id).
        post_correlation_id: the correlation id of the escalation post in the operator chat.
        post_message_id: the operator chat's message id of that post, once known.
        topic_id: the forum topic of the conversation, when the operator chat has topics.
        opened_at / last_operator_at / closed_at: unix seconds.
        closed_by: who closed it (``operator`` or ``idle``).
        bot_off: the operator turned the bot off for this conversation (``/bot off``): it
            stays with the person however long they are silent, until ``/bot on`` or ``/done``.
        notify_at: when the escalation post reaches the operator chat, if not at once
            (``notify = "at_opening"`` out of hours): the idle clock starts then.
    """

    id: int
    conversation_key: str
    channel: str
    conversation_id: str
    customer_name: str | None
    state: HandoffState
    reason: str
    reply_meta: Mapping[str, str] = field(default_factory=dict)
    post_correlation_id: str
    post_message_id: str | None = None
    topic_id: int | None = None
    opened_at: float
    last_operator_at: float | None = None
    closed_at: float | None = None
    closed_by: ClosedBy | None = None
    bot_off: bool = False
    notify_at: float | None = None

    @property
    def last_activity(self) -> float:
        """When the handoff last saw its operator (or the operator was told of it)."""
        told = self.notify_at if self.notify_at is not None else self.opened_at
        return max(told, self.last_operator_at or 0.0)

    def idle(self, now: float, *, idle_seconds: float) -> bool:
        """True when no operator message came for `idle_seconds` (never with the bot off)."""
        return not self.bot_off and now - self.last_activity >= idle_seconds


_OPEN_FOR_KEY = select(table).where(table.c.state == "open").order_by(table.c.id.desc()).limit(1)
_LATEST_FOR_KEY = select(table).order_by(table.c.id.desc()).limit(1)


def _to_handoff(row: Row[tuple[object, ...]]) -> Handoff:
    m = row._mapping
    return Handoff(
        id=int(m["id"]),
        conversation_key=m["conversation_key"],
        channel=m["channel"],
        conversation_id=m["conversation_id"],
        customer_name=m["customer_name"],
        state=m["state"],
        reason=m["reason"],
        reply_meta=orjson.loads(m["reply_meta"]),
        post_correlation_id=m["post_correlation_id"],
        post_message_id=m["post_message_id"],
        topic_id=m["topic_id"],
        opened_at=float(m["opened_at"]),
        last_operator_at=m["last_operator_at"],
        closed_at=m["closed_at"],
        closed_by=m["closed_by"],
        bot_off=bool(m["bot_off"]),
        notify_at=m["notify_at"],
    )


class HandoffStore:
    """Reads and writes ``orchestrator_handoffs``.

    Reads are synchronous on the `Database` (async callers use `Bus.run_async`); writes take
    the unit of work's `Connection`.
    """

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    # -- reads ---------------------------------------------------------------------------

    def open_for(self, conversation_key: str, conn: Connection | None = None) -> Handoff | None:
        """The open handoff of a conversation, if any."""
        query = _OPEN_FOR_KEY.where(table.c.conversation_key == conversation_key)
        return self._one(query, conn)

    def latest_for(self, conversation_key: str, conn: Connection | None = None) -> Handoff | None:
        """The conversation's most recent handoff, open or closed."""
        query = _LATEST_FOR_KEY.where(table.c.conversation_key == conversation_key)
        return self._one(query, conn)

    def by_post(self, correlation_id: str, conn: Connection | None = None) -> Handoff | None:
        """The handoff whose escalation post carries `correlation_id`."""
        query = (
            select(table)
            .where(table.c.post_correlation_id == correlation_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        return self._one(query, conn)

    def by_post_message(self, message_id: str, conn: Connection | None = None) -> Handoff | None:
        """The handoff whose escalation post is the operator chat's message `message_id`."""
        query = (
            select(table)
            .where(table.c.post_message_id == message_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        return self._one(query, conn)

    def by_topic(self, topic_id: int, conn: Connection | None = None) -> Handoff | None:
        """The handoff whose forum topic in the operator chat is `topic_id`."""
        query = select(table).where(table.c.topic_id == topic_id).order_by(table.c.id.desc())
        return self._one(query.limit(1), conn)

    def get(self, handoff_id: int, conn: Connection | None = None) -> Handoff | None:
        """One handoff by id."""
        return self._one(select(table).where(table.c.id == handoff_id), conn)

    def open_handoffs(self) -> list[Handoff]:
        """Every open handoff, the longest waiting first."""
        query = select(table).where(table.c.state == "open").order_by(table.c.opened_at)
        return [_to_handoff(r) for r in self.db.read(lambda c: c.execute(query).all())]

    def _one(self, query: object, conn: Connection | None) -> Handoff | None:
        def run(c: Connection) -> Handoff | None:
            row = c.execute(query).first()  # type: ignore[call-overload]  # a Select
            return _to_handoff(row) if row is not None else None

        return run(conn) if conn is not None else self.db.read(run)

    # -- writes (on the unit of work's connection) --------------------------------------

    def open(
        self,
        conn: Connection,
        *,
        conversation_key: str,
        channel: str,
        conversation_id: str,
        customer_name: str | None,
        reason: str,
        post_correlation_id: str,
        reply_meta: Mapping[str, str] | None = None,
        topic_id: int | None = None,
        notify_at: float | None = None,
    ) -> int:
        """Open a handoff (the caller checked none is open); returns its id."""
        result = conn.execute(
            insert(table).values(
                conversation_key=conversation_key,
                channel=channel,
                conversation_id=conversation_id,
                customer_name=(customer_name or None) and customer_name[:200],
                state="open",
                reason=reason,
                reply_meta=orjson.dumps(dict(reply_meta or {})).decode(),
                post_correlation_id=post_correlation_id,
                topic_id=topic_id,
                opened_at=self.clock(),
                bot_off=False,
                notify_at=notify_at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def touch_operator(self, conn: Connection, handoff_id: int) -> None:
        """The operator wrote in this handoff now (the idle clock starts again)."""
        conn.execute(
            update(table).where(table.c.id == handoff_id).values(last_operator_at=self.clock())
        )

    def close(self, conn: Connection, handoff_id: int, *, by: ClosedBy) -> bool:
        """Close an open handoff; False when it was not open (already closed)."""
        result = conn.execute(
            update(table)
            .where(table.c.id == handoff_id, table.c.state == "open")
            .values(state="closed", closed_at=self.clock(), closed_by=by)
        )
        return bool(result.rowcount)

    def set_bot_off(self, conn: Connection, handoff_id: int, off: bool) -> None:
        """Turn the bot off (or back on) for an open handoff's conversation."""
        conn.execute(
            update(table)
            .where(table.c.id == handoff_id, table.c.state == "open")
            .values(bot_off=off, last_operator_at=self.clock())
        )

    def set_topic(self, conn: Connection, handoff_id: int, topic_id: int) -> None:
        """Remember the forum topic of a handoff (learnt from the operator's first message)."""
        conn.execute(update(table).where(table.c.id == handoff_id).values(topic_id=topic_id))

    def set_post_message(self, conn: Connection, handoff_id: int, message_id: str) -> None:
        """Remember the operator chat's message id of the escalation post."""
        conn.execute(
            update(table).where(table.c.id == handoff_id).values(post_message_id=message_id)
        )
