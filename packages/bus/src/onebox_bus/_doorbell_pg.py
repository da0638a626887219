"""The PostgreSQL doorbell: NOTIFY inside the publishing transaction, one LISTEN per process.

See `doorbell`. The listening connection lives in a daemon thread that waits in psycopg's
``notifies()``; it wakes once a second with nothing to do only to notice `close()`. The
channel is one per database (``onebox_bus``, the topic as payload): NOTIFY is not scoped by
schema, so two stacks in two schemas of one database wake each other for nothing (one empty
claim), never miss a ring.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

import structlog

from . import _dialect
from ._engine import psycopg_args
from .doorbell import Wake

log = structlog.get_logger("onebox.bus.doorbell")

CHANNEL = "onebox_bus"
NOTIFY_SQL = "SELECT pg_notify(%s, t) FROM unnest(%s::text[]) AS t"
#: How long the listening thread waits in one go (it checks for `close()` in between).
WAIT_SECONDS = 1.0
RECONNECT_MAX = 30.0


class NotifyDoorbell:
    """Rings with ``pg_notify`` and listens with ``LISTEN onebox_bus``."""

    def __init__(self, dialect: _dialect.Dialect, *, busy_timeout: float) -> None:
        self._dialect = dialect
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._wakes: dict[str, list[Wake]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.up = False

    # -- publishing side ----------------------------------------------------------

    def before_commit(self, cursor: Any, topics: Collection[str]) -> None:
        """Queue one notification per topic; PostgreSQL delivers them at COMMIT."""
        cursor.execute(NOTIFY_SQL, (CHANNEL, sorted(topics)))

    def ring(self, topic: str) -> None:
        """Nothing after the commit: the notification went out with it."""

    # -- consuming side -----------------------------------------------------------

    def subscribe(self, topic: str, wake: Wake) -> _Subscription:
        """Call `wake` on every notification for `topic` (starts the listener on first use)."""
        with self._lock:
            self._wakes.setdefault(topic, []).append(wake)
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._listen, name="doorbell-listen", daemon=True
                )
                self._thread.start()
        return _Subscription(self, topic, wake)

    def _unsubscribe(self, topic: str, wake: Wake) -> None:
        with self._lock:
            wakes = self._wakes.get(topic, [])
            if wake in wakes:
                wakes.remove(wake)
            if not wakes:
                self._wakes.pop(topic, None)
            if self._wakes or self._thread is None:
                return
            thread, self._thread = self._thread, None
        self._stop.set()
        thread.join(timeout=WAIT_SECONDS * 2)

    def _listen(self) -> None:
        backoff = 0.5
        warned = False
        while not self._stop.is_set():
            conn = None
            try:
                conn = _listen_connection(self._dialect, busy_timeout=self._busy_timeout)
                conn.execute(f"LISTEN {CHANNEL}")
                backoff = 0.5
                self._wake_all()  # anything published while we were not listening
                self.up = True
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=WAIT_SECONDS):
                        self._dispatch(note.payload)
            except Exception as exc:  # noqa: BLE001 - any failure means: poll, reconnect later
                if self.up or not warned:
                    log.warning("bus.doorbell_down", error=type(exc).__name__)
                    warned = True
                self.up = False
                self._wake_all()
                self._stop.wait(backoff)
                backoff = min(RECONNECT_MAX, backoff * 2)
            finally:
                self.up = False
                if conn is not None:
                    _close(conn)

    def _dispatch(self, topic: str) -> None:
        if topic == "*":  # messages of unknown topics became claimable (dead letters replayed)
            self._wake_all()
            return
        for wake in list(self._wakes.get(topic, ())):
            wake()

    def _wake_all(self) -> None:
        with self._lock:
            wakes = [w for ws in self._wakes.values() for w in ws]
        for wake in wakes:
            wake()

    def close(self) -> None:
        """Stop listening and close the listening connection."""
        with self._lock:
            self._wakes.clear()
            thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=WAIT_SECONDS * 2)


def _listen_connection(dialect: _dialect.Dialect, *, busy_timeout: float) -> Any:
    """A plain autocommit psycopg connection for LISTEN (never one of the Database's own:
    it sits in ``notifies()`` and would hold a pooled connection forever)."""
    import psycopg

    return psycopg.connect(**psycopg_args(dialect, busy_timeout=busy_timeout), autocommit=True)


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing a broken connection; the server drops it anyway
        return


class _Subscription:
    def __init__(self, doorbell: NotifyDoorbell, topic: str, wake: Wake) -> None:
        self._doorbell = doorbell
        self._topic = topic
        self._wake = wake

    @property
    def up(self) -> bool:
        return self._doorbell.up

    def close(self) -> None:
        self._doorbell._unsubscribe(self._topic, self._wake)
