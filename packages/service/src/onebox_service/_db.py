"""The kit's short transactions, with database trouble turned into `BusUnavailable`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from onebox_bus import BusUnavailable
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

T = TypeVar("T")

_UNAVAILABLE = ("locked", "busy", "disk", "full", "readonly", "unable to open", "connection")


@contextmanager
def translated() -> Iterator[None]:
    """Raise `BusUnavailable` for a locked, full or unreachable database."""
    try:
        yield
    except (OperationalError, DBAPIError) as exc:
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if isinstance(exc, OperationalError) or any(word in text for word in _UNAVAILABLE):
            raise BusUnavailable(f"database cannot take the write: {text[:200]}") from exc
        raise


def write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` in one write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
    with translated(), engine.begin() as conn:
        return work(conn)


def read(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` on a connection (a short transaction that writes nothing)."""
    with translated(), engine.connect() as conn:
        return work(conn)
