"""The delivery records: one row per platform message sent (or failed) for a reply.

The sender writes a row right after the platform accepted a send, then acks the bus message;
a redelivered message whose rows exist is acked without sending again, so the only window
left open is one HTTP call wide (see `Sender`). Platforms report statuses later (WhatsApp's
sent / delivered / read / failed, out of order): `update_status` only moves a record
forward, sent < delivered < read < failed, and failed is terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import anyio.to_thread
from onebox_bus import Bus, Clock, Database, LeaseLost, Message
from onebox_bus.compiled import Compiled
from sqlalchemy import Select, case, func, insert, select, update
from sqlalchemy.engine import Connection, CursorResult

from ._schema import deliveries as table
from .channel import DeliveryReceipt
from .journal import MessageJournal

#: Built once: the sender's hot path binds rows to it.
_INSERT = insert(table)
#: The columns of a sent reply's row (`DeliveryStore._sent_rows`).
_SENT_COLUMNS = (
    "channel",
    "conversation_id",
    "correlation_id",
    "bus_message_id",
    "platform_message_id",
    "status",
    "error",
    "sandbox",
    "text",
    "created_at",
    "updated_at",
)

DeliveryStatus = Literal["sent", "delivered", "read", "failed"]
StatusChange = Literal["updated", "unchanged", "unknown"]
STATUS_RANK: dict[str, int] = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One delivery record."""

    id: int
    channel: str
    conversation_id: str
    correlation_id: str | None
    bus_message_id: int | None
    platform_message_id: str | None
    status: str
    error: str | None
    sandbox: bool
    text: str | None
    created_at: float
    updated_at: float


class DeliveryStore:
    """Reads and writes ``service_deliveries`` on the process's `Database`.

    Args:
        db: the shared database.
        clock: the time source.
        journal: where platform status changes become ``status`` message events.
    """

    def __init__(
        self, db: Database, *, clock: Clock = time.time, journal: MessageJournal | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.journal = journal
        # Every reply's record (the sender's hot path): run on the driver's cursor.
        self._insert_sent = Compiled(_INSERT, db.kind, columns=_SENT_COLUMNS)

    def _sent_rows(
        self,
        *,
        channel: str,
        conversation_id: str,
        correlation_id: str | None,
        receipt: DeliveryReceipt,
        bus_message_id: int | None,
    ) -> list[dict[str, object]]:
        now = self.clock()
        ids: Sequence[str | None] = receipt.platform_message_ids or (None,)
        return [
            {
                "channel": channel,
                "conversation_id": conversation_id,
                "correlation_id": correlation_id,
                "bus_message_id": bus_message_id,
                "platform_message_id": pid,
                "status": "sent",
                "error": None,
                "sandbox": receipt.sandbox,
                "text": receipt.text if receipt.sandbox else None,
                "created_at": now,
                "updated_at": now,
            }
            for pid in ids
        ]

    def record_sent(
        self,
        *,
        channel: str,
        conversation_id: str,
        correlation_id: str | None,
        receipt: DeliveryReceipt,
        bus_message_id: int | None = None,
    ) -> list[int]:
        """Record a successful send: one row per platform message id; returns the row ids."""
        rows = self._sent_rows(
            channel=channel,
            conversation_id=conversation_id,
            correlation_id=correlation_id,
            receipt=receipt,
            bus_message_id=bus_message_id,
        )

        def work(conn: Connection) -> list[int]:
            return [_inserted_id(conn.execute(_INSERT, row)) for row in rows]

        return self.db.write(work)

    def record_sent_and_ack(
        self,
        bus: Bus,
        message: Message,
        *,
        channel: str,
        conversation_id: str,
        correlation_id: str | None,
        receipt: DeliveryReceipt,
        also: Callable[[Connection], None] | None = None,
    ) -> None:
        """Record a send and ack its bus message in ONE transaction (the sender's hot path).

        `also` joins that transaction (the sent reply's parcel is deleted there). If the lease
        was lost meanwhile (the ack raises `LeaseLost`), the record is still written on its
        own (with `also`), so whoever holds the message now sees it was sent and does not
        send it again; the `LeaseLost` is then re-raised.
        """
        if bus.db is not self.db:
            raise ValueError("the bus and the delivery store must share one Database")
        rows = self._sent_rows(
            channel=channel,
            conversation_id=conversation_id,
            correlation_id=correlation_id,
            receipt=receipt,
            bus_message_id=message.id,
        )
        try:
            with self.db.transaction() as conn:
                self._insert_sent.executemany(conn, rows)
                if also is not None:
                    also(conn)
                bus.ack(message)
        except LeaseLost:
            with self.db.transaction() as conn:
                self._insert_sent.executemany(conn, rows)
                if also is not None:
                    also(conn)
            raise

    def record_failed(
        self,
        *,
        channel: str,
        conversation_id: str,
        correlation_id: str | None,
        error: str,
        bus_message_id: int | None = None,
    ) -> int:
        """Record a reply that will not be delivered (dead-lettered) with its reason."""
        now = self.clock()
        values = {
            "channel": channel,
            "conversation_id": conversation_id,
            "correlation_id": correlation_id,
            "bus_message_id": bus_message_id,
            "platform_message_id": None,
            "status": "failed",
            "error": error[:2000],
            "sandbox": False,
            "text": None,
            "created_at": now,
            "updated_at": now,
        }
        return self.db.write(lambda conn: _inserted_id(conn.execute(_INSERT, values)))

    def sent_for_message(self, bus_message_id: int) -> bool:
        """True when a send of this bus message was already recorded (a redelivery)."""
        query = (
            select(func.count())
            .select_from(table)
            .where(table.c.bus_message_id == bus_message_id, table.c.status != "failed")
        )
        return bool(self.db.read(lambda conn: conn.execute(query).scalar_one()))

    def update_status(
        self,
        channel: str,
        platform_message_id: str,
        status: DeliveryStatus,
        *,
        error: str | None = None,
    ) -> StatusChange:
        """Move the record of a platform message forward to `status`, never backwards.

        Returns:
            ``updated`` when it moved, ``unchanged`` when it is already at or past `status`,
            ``unknown`` when no record has that platform message id.
        """
        rank = STATUS_RANK.get(status)
        if rank is None:
            raise ValueError(f"unknown delivery status {status!r}")
        current = case(
            *((table.c.status == name, value) for name, value in STATUS_RANK.items()), else_=0
        )
        where = (table.c.channel == channel, table.c.platform_message_id == platform_message_id)
        values: dict[str, object] = {"status": status, "updated_at": self.clock()}
        if error is not None:
            values["error"] = error[:2000]

        journal = self.journal

        def work(conn: Connection) -> StatusChange:
            result = conn.execute(update(table).where(*where, current < rank).values(**values))
            if result.rowcount:
                if journal is not None:
                    query = select(table.c.correlation_id).where(*where).limit(1)
                    cid = conn.execute(query).scalar()
                    journal.record(cid, "status", status=status, channel=channel)
                return "updated"
            found = conn.execute(select(func.count()).select_from(table).where(*where))
            return "unchanged" if found.scalar_one() else "unknown"

        return self.db.write(work)

    async def update_status_async(
        self,
        channel: str,
        platform_message_id: str,
        status: DeliveryStatus,
        *,
        error: str | None = None,
    ) -> StatusChange:
        """`update_status` from async code (runs in a worker thread)."""
        return await anyio.to_thread.run_sync(
            lambda: self.update_status(channel, platform_message_id, status, error=error)
        )

    def get(
        self, channel: str, platform_message_id: str, *, conversation_id: str | None = None
    ) -> Delivery | None:
        """The record of one platform message, if any (Telegram's message ids are per chat:
        give `conversation_id` to look in one chat)."""
        query = select(table).where(
            table.c.channel == channel, table.c.platform_message_id == platform_message_id
        )
        if conversation_id is not None:
            query = query.where(table.c.conversation_id == conversation_id)
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return _to_delivery(rows[0]) if rows else None

    def by_correlation(self, correlation_id: str, *, sandbox_only: bool = False) -> list[Delivery]:
        """The records of one correlation id, oldest first."""
        query = select(table).where(table.c.correlation_id == correlation_id)
        if sandbox_only:
            query = query.where(table.c.sandbox.is_(True))
        query = query.order_by(table.c.id)
        return [_to_delivery(r) for r in self.db.read(lambda c: c.execute(query).all())]

    def by_correlations(self, correlation_ids: Sequence[str]) -> list[Delivery]:
        """The records of several correlation ids (in chunks), oldest first."""
        ids = sorted(set(correlation_ids))
        found: list[Delivery] = []
        for start in range(0, len(ids), 500):
            query = select(table).where(table.c.correlation_id.in_(ids[start : start + 500]))
            found += self.db.read(partial(_read_all, query))
        return sorted(found, key=lambda d: d.id)

    def recent(self, *, channel: str | None = None, limit: int = 100) -> list[Delivery]:
        """The latest records, newest first."""
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(table.c.channel == channel)
        return [_to_delivery(r) for r in self.db.read(lambda c: c.execute(query).all())]


def _read_all(query: Select[Any], conn: Connection) -> list[Delivery]:
    return [_to_delivery(r) for r in conn.execute(query)]


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _to_delivery(row: object) -> Delivery:
    m = row._mapping  # type: ignore[attr-defined]
    return Delivery(
        id=int(m["id"]),
        channel=m["channel"],
        conversation_id=m["conversation_id"],
        correlation_id=m["correlation_id"],
        bus_message_id=m["bus_message_id"],
        platform_message_id=m["platform_message_id"],
        status=m["status"],
        error=m["error"],
        sandbox=bool(m["sandbox"]),
        text=m["text"],
        created_at=float(m["created_at"]),
        updated_at=float(m["updated_at"]),
    )
