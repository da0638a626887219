"""Cross-process wake-up: a commit that publishes to a topic wakes that topic's consumers at once.

A `Consumer` already wakes when its own process publishes (`Bus.add_listener`); the doorbell
carries the same signal to the consumers of OTHER processes, so a quiet stack answers in
milliseconds instead of waiting out a consumer's idle poll. It only ever says "look now":
every message is still found by claiming, and polling stays as the safety net (a consumer
whose doorbell is up polls `doorbell_idle_factor` times less often; one whose doorbell is
down polls as before). A lost or spurious ring costs latency or one empty claim, never a
message.

- **SQLite**: a folder next to the database file, ``<db>.doorbell/``, holds one Unix datagram
  socket per consumer process and topic, named ``<topic>@<pid>.<token>`` (topics longer than
  48 characters by a hash). After a commit that published to a topic, the publisher sends a
  one-byte datagram to each socket of that topic, without blocking; a socket nobody listens
  on any more (its process died) refuses it and the publisher removes the file. The folder
  is created ``rwxrws---`` and handed to the database file's owner and group when the process
  may do so; sockets are ``rw-rw----``: every process sharing the database must share its
  group, as WAL already requires. A path longer than a Unix socket address allows (107 bytes)
  is reached through ``/proc/self/fd`` of the opened folder. When the folder cannot be
  created or a socket cannot be bound, the consumer logs ``bus.doorbell_down`` once and polls.
- **PostgreSQL**: the publishing transaction issues ``pg_notify('onebox_bus', topic)`` before
  its COMMIT, so the notification fires exactly when the rows become visible (and never for a
  rolled-back publish). Each consuming process holds one extra connection that LISTENs, in a
  thread; if that connection drops, its consumers are woken, poll as before, and the thread
  reconnects with a back-off.

The doorbell is on by default; ``Bus(doorbell=False)`` (``ONEBOX_BUS_DOORBELL=0`` for the
services) turns both sides off.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Protocol

from . import _dialect

Wake = Callable[[], None]


class Subscription(Protocol):
    """One consumer's registration for a topic's rings."""

    @property
    def up(self) -> bool:
        """True while rings can reach this consumer (False: it must rely on polling)."""
        ...

    def close(self) -> None:
        """Stop calling `wake`; the last subscription of a topic releases its socket."""
        ...


class Doorbell(Protocol):
    """Both sides of the wake-up: rung by publishers, listened to by consumers."""

    def before_commit(self, cursor: Any, topics: Collection[str]) -> None:
        """Called inside a transaction that published to `topics`, just before its COMMIT."""
        ...

    def ring(self, topic: str) -> None:
        """Called after a commit that published to `topic` (a `Bus` listener)."""
        ...

    def subscribe(self, topic: str, wake: Wake) -> Subscription:
        """Call `wake()` (from any thread) whenever another process publishes to `topic`."""
        ...

    def close(self) -> None:
        """Release every socket, thread and connection the doorbell holds."""
        ...


def open_doorbell(dialect: _dialect.Dialect, *, busy_timeout: float) -> Doorbell:
    """The doorbell of the database `dialect` names; it opens nothing until first used."""
    if dialect.kind == "sqlite":
        from ._doorbell_unix import SocketDoorbell

        return SocketDoorbell(_dialect.sqlite_path(dialect))
    from ._doorbell_pg import NotifyDoorbell

    return NotifyDoorbell(dialect, busy_timeout=busy_timeout)
