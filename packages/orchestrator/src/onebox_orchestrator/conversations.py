"""The owner's read of the conversations: a filtered, paged list and each whole thread.

Reads ``orchestrator_conversations`` (one row per conversation, upserted with its turns by
`ConversationMemory`), ``orchestrator_turns`` and the handoffs. Nothing older than the retention
of turns (``ONEBOX_HISTORY_RETENTION_DAYS``) is returned, even before the sweep has deleted it.
An operator's reply says what became of it (``delivery``: pending, sent, delivered, read, or
failed with the reason), from the senders' delivery records of its correlation id in that
conversation. A conversation's state is ``handoff`` while a person has it (an open handoff),
``closed`` when a person closed its handoff and the customer has not written since, ``bot``
otherwise. The list is ordered by last activity, newest first, through an index; a text search
(`q`, in the customer's name and every kept message; case-insensitive, on SQLite for ASCII
letters only) reads the turns of the conversations it walks past: a rare word reads every kept
turn (about 1.5 s for 3M turns, ``bench/dashboard.py``), where a page or a filter reads a few
rows through an index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from onebox_bus import Database
from onebox_service import STATUS_RANK, DeliveryStore
from sqlalchemy import and_, case, exists, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ._schema import conversations as table
from ._schema import handoffs, turns

State = Literal["bot", "handoff", "closed"]
STATES: tuple[State, ...] = ("bot", "handoff", "closed")
MAX_THREAD = 2000
"""The most turns a thread returns (its newest ones; a longer thread says it was cut)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRow:
    """One conversation in the list."""

    key: str
    channel: str
    customer_name: str | None
    state: State
    first_at: float
    last_at: float
    last_text: str

    def as_json(self) -> dict[str, object]:
        """The row as the API returns it."""
        return {
            "id": self.key,
            "channel": self.channel,
            "customer_name": self.customer_name,
            "state": self.state,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "last_text": self.last_text,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadTurn:
    """One message of a thread: who wrote it, when, and how a reply was made."""

    role: str
    text: str
    at: float
    origin: str | None
    provider: str | None
    model: str | None
    delivery: str | None = None
    """An operator's reply: ``pending``, ``sent``, ``delivered``, ``read`` or ``failed``
    (not delivered); None for other turns."""
    delivery_error: str | None = None
    """Why a ``failed`` operator reply was not delivered."""

    def as_json(self) -> dict[str, object]:
        """The turn as the API returns it."""
        return {
            "role": self.role,
            "text": self.text,
            "at": self.at,
            "origin": self.origin,
            "provider": self.provider,
            "model": self.model,
            "delivery": self.delivery,
            "delivery_error": self.delivery_error,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Thread:
    """A conversation and its kept turns, oldest first."""

    conversation: ConversationRow
    turns: list[ThreadTurn]
    truncated: bool

    def as_json(self) -> dict[str, object]:
        """The thread as the API returns it."""
        return {
            **self.conversation.as_json(),
            "truncated": self.truncated,
            "messages": [t.as_json() for t in self.turns],
        }


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ConversationReader:
    """Reads conversations for the owner's view (all methods synchronous: run them in a thread).

    Args:
        db: the shared database.
        retention: seconds turns are kept: nothing older is returned.
        clock: the time source.
        deliveries: the senders' delivery records: an operator's reply in a thread says
            whether it was delivered (None: not said).
    """

    def __init__(
        self,
        db: Database,
        *,
        retention: float = 30 * 86400.0,
        clock: Callable[[], float] = time.time,
        deliveries: DeliveryStore | None = None,
    ) -> None:
        self.db = db
        self.retention = retention
        self.clock = clock
        self.deliveries = deliveries

    @staticmethod
    def _open() -> ColumnElement[bool]:
        return exists(
            select(literal(1)).where(
                handoffs.c.conversation_key == table.c.conversation_key,
                handoffs.c.state == "open",
            )
        )

    @staticmethod
    def _closed() -> ColumnElement[bool]:
        return exists(
            select(literal(1)).where(
                handoffs.c.conversation_key == table.c.conversation_key,
                handoffs.c.state == "closed",
                handoffs.c.closed_at >= table.c.last_at,
            )
        )

    def _contains(self, column: ColumnElement[str], pattern: str) -> ColumnElement[bool]:
        # SQLite's LIKE already ignores ASCII case; lower() on both sides doubles its cost.
        if self.db.kind == "sqlite":
            return column.like(pattern, escape="\\")
        return column.ilike(pattern, escape="\\")

    def _state(self) -> ColumnElement[str]:
        return case((self._open(), "handoff"), (self._closed(), "closed"), else_="bot")

    def listing(
        self,
        *,
        channel: str | None = None,
        state: State | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ConversationRow]:
        """Conversations active within the retention, newest activity first."""
        since = self.clock() - self.retention
        query = select(
            table.c.conversation_key, table.c.channel, table.c.customer_name,
            self._state().label("state"), table.c.first_at, table.c.last_at, table.c.last_text,
        ).where(table.c.last_at >= since)  # fmt: skip
        if channel:
            query = query.where(table.c.channel == channel)
        if state in ("handoff", "closed"):
            # Driven by the handoffs (few) rather than by walking every conversation.
            wanted = "open" if state == "handoff" else "closed"
            keys = select(handoffs.c.conversation_key).where(handoffs.c.state == wanted)
            query = query.where(table.c.conversation_key.in_(keys))
        if state == "handoff":
            query = query.where(self._open())
        elif state == "closed":
            query = query.where(~self._open(), self._closed())
        elif state == "bot":
            query = query.where(~self._open(), ~self._closed())
        if q:
            pattern = _like(q)
            said = exists(
                select(literal(1)).where(
                    turns.c.conversation_key == table.c.conversation_key,
                    turns.c.created_at >= since,
                    self._contains(turns.c.text, pattern),
                )
            )
            named = self._contains(table.c.customer_name, pattern)
            query = query.where(or_(named, said))
        query = query.order_by(table.c.last_at.desc(), table.c.conversation_key)
        query = query.limit(limit).offset(offset)
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [self._row(r) for r in rows]

    @staticmethod
    def _row(r: Sequence[Any]) -> ConversationRow:
        key, channel, name, state, first_at, last_at, last_text = r
        return ConversationRow(
            key=key, channel=channel, customer_name=name, state=state,
            first_at=float(first_at), last_at=float(last_at), last_text=last_text,
        )  # fmt: skip

    def thread(self, key: str) -> Thread | None:
        """The conversation `key` with its kept turns in order, or None if nothing is kept."""
        since = self.clock() - self.retention
        head = select(
            table.c.conversation_key, table.c.channel, table.c.customer_name,
            self._state().label("state"), table.c.first_at, table.c.last_at, table.c.last_text,
        ).where(table.c.conversation_key == key, table.c.last_at >= since)  # fmt: skip
        body = (
            select(
                turns.c.role, turns.c.text, turns.c.created_at, turns.c.origin,
                turns.c.provider, turns.c.model, turns.c.correlation_id,
            )
            .where(and_(turns.c.conversation_key == key, turns.c.created_at >= since))
            .order_by(turns.c.id.desc())
            .limit(MAX_THREAD + 1)
        )  # fmt: skip

        def read(conn: Connection) -> tuple[Sequence[Any] | None, list[Sequence[Any]]]:
            return conn.execute(head).first(), list(conn.execute(body).all())

        row, found = self.db.read(read)
        if row is None:
            return None
        truncated = len(found) > MAX_THREAD
        kept = list(reversed(found[:MAX_THREAD]))
        made = [
            ThreadTurn(
                role=role,
                text=text,
                at=float(at),
                origin=origin or _legacy(role, provider),
                provider=provider,
                model=model,
            )
            for role, text, at, origin, provider, model, _ in kept
        ]
        fates = self._fates(key, [cid for *_, cid in kept if cid is not None])
        for index, (*_, cid) in enumerate(kept):
            if made[index].origin == "operator" and fates is not None:
                status, error = fates.get(cid or "", ("pending", None))
                made[index] = replace(made[index], delivery=status, delivery_error=error)
        return Thread(conversation=self._row(row), turns=made, truncated=truncated)

    def _fates(
        self, key: str, correlation_ids: list[str]
    ) -> dict[str, tuple[str, str | None]] | None:
        """For each correlation id, what became of its reply in conversation `key`: the
        furthest status of its sent parts, else ``failed`` with the reason (None: unknown)."""
        if self.deliveries is None:
            return None
        channel, _, conversation_id = key.partition(":")
        fates: dict[str, tuple[str, str | None]] = {}
        for d in self.deliveries.by_correlations(correlation_ids):
            if (d.channel, d.conversation_id) != (
                channel,
                conversation_id,
            ) or d.correlation_id is None:
                continue
            known = fates.get(d.correlation_id)
            if d.status == "failed":
                if known is None:
                    fates[d.correlation_id] = ("failed", d.error)
            elif (
                known is None
                or known[0] == "failed"
                or (STATUS_RANK[d.status] > STATUS_RANK.get(known[0], 0))
            ):
                fates[d.correlation_id] = (d.status, None)
        return fates


def _legacy(role: str, provider: str | None) -> str | None:
    """The origin of a turn stored before origins were recorded, as far as it is known."""
    if role == "user":
        return "customer"
    return "operator" if provider == "operator" else None
