"""What the agent remembers per chat: blocked by the user, or migrated to a supergroup.

A 403 from the Bot API or a ``my_chat_member`` update with status ``kicked`` marks a chat
``blocked`` (replies to it are dead-lettered without a call); ``member`` again marks it
``active``. A group upgraded to a supergroup is ``migrated`` with its new id, which the sender
uses from then on. Rows are upserts in short transactions on the shared database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import anyio.to_thread
from onebox_bus import BusUnavailable, Clock, Database
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from ._schema import chats as table

ChatStatus = Literal["active", "blocked", "migrated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatState:
    """One chat's row."""

    chat_id: str
    status: str
    migrated_to: str | None
    reason: str | None
    updated_at: float


class ChatStore:
    """Reads and writes ``telegram_chats``.

    The sender asks `lookup` before every send, so the few chats that are not ``active``
    are kept in memory (reloaded every `refresh` seconds, updated at once by `mark`): the
    send path makes no database call of its own between pacing and the HTTP request.
    """

    def __init__(self, db: Database, *, clock: Clock = time.time, refresh: float = 30.0) -> None:
        self.db = db
        self.clock = clock
        self.refresh = refresh
        self._insert = pg_insert if db.kind == "postgresql" else sqlite_insert
        self._special: dict[str, ChatState] = {}
        self._loaded_at: float | None = None

    def mark(
        self,
        chat_id: str,
        status: ChatStatus,
        *,
        reason: str | None = None,
        migrated_to: str | None = None,
    ) -> None:
        """Set a chat's status (and the reason, or its new id when migrated)."""
        reason = None if reason is None else reason[:500]
        now = self.clock()
        values = {
            "chat_id": chat_id,
            "status": status,
            "reason": reason,
            "migrated_to": migrated_to,
            "updated_at": now,
        }
        stmt = self._insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.chat_id],
            set_={k: stmt.excluded[k] for k in values if k != "chat_id"},
        )
        try:
            self.db.write(lambda conn: conn.execute(stmt))
        except DBAPIError as exc:
            raise BusUnavailable(f"cannot record chat state: {type(exc).__name__}") from exc
        if status == "active":
            self._special.pop(chat_id, None)
        else:
            self._special[chat_id] = ChatState(
                chat_id=chat_id,
                status=status,
                migrated_to=migrated_to,
                reason=reason,
                updated_at=now,
            )

    def _reload(self) -> None:
        query = select(table).where(table.c.status != "active")
        rows = self.db.read(lambda conn: conn.execute(query).all())
        self._special = {row.chat_id: _state(row) for row in rows}
        self._loaded_at = time.monotonic()

    async def lookup(self, chat_id: str) -> ChatState | None:
        """The chat's state when it is blocked or migrated, else None (from memory)."""
        if self._loaded_at is None or time.monotonic() - self._loaded_at > self.refresh:
            await anyio.to_thread.run_sync(self._reload)
        return self._special.get(chat_id)

    def get(self, chat_id: str) -> ChatState | None:
        """The chat's row, or None when nothing is known about it."""
        query = select(table).where(table.c.chat_id == chat_id)
        row = self.db.read(lambda conn: conn.execute(query).first())
        return None if row is None else _state(row)

    async def mark_async(
        self,
        chat_id: str,
        status: ChatStatus,
        *,
        reason: str | None = None,
        migrated_to: str | None = None,
    ) -> None:
        """`mark` from async code."""
        await anyio.to_thread.run_sync(
            lambda: self.mark(chat_id, status, reason=reason, migrated_to=migrated_to)
        )

    async def get_async(self, chat_id: str) -> ChatState | None:
        """`get` from async code."""
        return await anyio.to_thread.run_sync(lambda: self.get(chat_id))


def _state(row: Any) -> ChatState:
    return ChatState(
        chat_id=row.chat_id,
        status=row.status,
        migrated_to=row.migrated_to,
        reason=row.reason,
        updated_at=float(row.updated_at),
    )
