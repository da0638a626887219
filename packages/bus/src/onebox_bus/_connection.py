"""One thread's database connection, and the signal that a write would have had to wait."""

from __future__ import annotations

from typing import Any


class _WouldWait(Exception):
    """Raised on a non-waiting connection when the write lock is taken: nothing was done."""


class _Handle:
    """One thread's connection.

    Worker threads come and go (anyio's pool retires idle ones): when a thread ends, its
    thread-local drops the handle and the connection is closed with it, so a long-running
    service does not collect one open connection per thread it ever used.
    """

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: Any) -> None:
        self.conn: Any = conn

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing on shutdown; the OS reclaims it
            return

    def __del__(self) -> None:
        self.close()
