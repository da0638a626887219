"""Parcels: a file one agent fetched for another agent's reply, waiting in the shared database.

An operator answers a WhatsApp customer with a photo sent in the Telegram operator chat. Only
the Telegram agent can download it (the bot token lives there) and only the WhatsApp agent can
send it, and the two may run on different hosts: the one place both reach is the database
they already share (SQLite on one machine, PostgreSQL across several). So the bytes travel
there, as a parcel named by a reference the reply carries (``meta["parcel"]``):

- the Telegram agent's parcel stage writes the parcel (the bytes, or why they could not be
  fetched) in ONE transaction with waking the reply that waits for it and acking its fetch
  request, so a reply is never claimable before its parcel exists unless it waited too long;
- the sender that delivers the reply deletes the parcel in the transaction that records the
  delivery (or dead-letters the reply), so a redelivered reply still finds it;
- anything left behind (a reply lost to a crash between send and record, a fetch that came
  after its reply gave up) is purged by age (``ONEBOX_PARCELS_RETENTION_DAYS``).

Parcels never hold more than the channel accepts (5 MB for a WhatsApp photo); their bytes are
not logged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from onebox_bus import Clock, Database
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from ._schema import parcels as table


@dataclass(frozen=True, slots=True, kw_only=True)
class Parcel:
    """One parcel: the bytes, or why there are none.

    Attributes:
        ref: its reference (``meta["parcel"]`` of the reply it belongs to).
        data: the file's bytes (None when the fetch failed).
        content_type: the file's type (``image/jpeg``).
        error: why the file could not be fetched, said for the person who sent it.
        created_at: when it was written (unix seconds).
    """

    ref: str
    data: bytes | None
    content_type: str | None
    error: str | None
    created_at: float


class ParcelStore:
    """Reads and writes ``service_parcels`` on the process's `Database`.

    Writes take the caller's connection: they belong to a unit of work (the fetch request's
    ack, the reply's delivery record).
    """

    def __init__(self, db: Database, *, clock: Clock = time.time) -> None:
        self.db = db
        self.clock = clock

    def put(self, conn: Connection, ref: str, *, data: bytes, content_type: str) -> bool:
        """Store the fetched file as parcel `ref`; False when the parcel already exists."""
        return self._insert(conn, ref, data=data, content_type=content_type, error=None)

    def fail(self, conn: Connection, ref: str, *, reason: str) -> bool:
        """Store why parcel `ref` could not be fetched; False when it already exists."""
        return self._insert(conn, ref, data=None, content_type=None, error=reason[:1000])

    def get(self, ref: str) -> Parcel | None:
        """The parcel `ref`, if it is there."""
        query = select(table).where(table.c.ref == ref)
        row = self.db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return Parcel(
            ref=row.ref,
            data=bytes(row.data) if row.data is not None else None,
            content_type=row.content_type,
            error=row.error,
            created_at=row.created_at,
        )

    def _insert(
        self,
        conn: Connection,
        ref: str,
        *,
        data: bytes | None,
        content_type: str | None,
        error: str | None,
    ) -> bool:
        found = conn.execute(select(table.c.ref).where(table.c.ref == ref)).first()
        if found is not None:
            return False  # a fetch request delivered twice: the first parcel stands
        conn.execute(
            insert(table).values(
                ref=ref,
                data=data,
                content_type=content_type,
                size=len(data) if data is not None else 0,
                error=error,
                created_at=self.clock(),
            )
        )
        return True


def drop_parcel(conn: Connection, ref: str) -> None:
    """Delete parcel `ref` (in the caller's transaction); nothing when it is not there."""
    conn.execute(delete(table).where(table.c.ref == ref))
