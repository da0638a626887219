"""Waiting for the database's write lock, and what a lock that stays taken becomes.

SQLite takes one writer at a time. A process's worker threads queue on a lock of their own
(the gate), so one of them at a time asks SQLite and the next is woken the moment the
transaction before it ends; the event loop's connection never waits (it tries SQLite's lock
directly and, when it is taken, `WouldWait` hands the work to a thread). A thread's own
connection has ``busy_timeout=0``: the head of the queue tries ``BEGIN IMMEDIATE`` again in
short steps (`_connections.pause`) until the busy timeout, rather than through SQLite's busy
handler, which sleeps up to 100 ms between tries. A lock held past the busy timeout, a full
disk or an unreachable server becomes `BusUnavailable` here (`translate`) and nowhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from . import _dialect
from ._connections import Connections, Handle, original, pause
from .errors import BusError, BusUnavailable

if TYPE_CHECKING:
    from .database import Synchronous

T = TypeVar("T")
#: ``on_lock_wait(seconds, timed_out)``: a write waited `seconds` for the database lock.
LockWaitHook = Callable[[float, bool], None]
#: A ``BEGIN`` faster than this did not wait for another writer (it is not reported).
LOCK_WAIT_MIN_SECONDS = 0.001


class WouldWait(Exception):
    """Raised on the loop's non-waiting connection when the write lock is taken: nothing done."""


class LockWaits(Connections):
    """How `Database` begins a transaction and waits for the lock (the base of `Database`)."""

    synchronous: Synchronous
    on_lock_wait: LockWaitHook | None
    _gate: threading.Lock | None

    def _begin(self, handle: Handle) -> None:
        durable = self.synchronous in ("FULL", "EXTRA")
        if handle.inline and durable and not self._local.__dict__.get("lazy"):
            # A durable commit fsyncs: never on the event loop's thread (it would stall every
            # request for the fsync). Reads stay inline; the write goes to a worker thread.
            raise WouldWait
        started = time.monotonic()
        deadline = started + self.busy_timeout
        gate = self._gate
        if gate is not None and not handle.inline:
            # This process's worker threads queue here, one at a time, and only the first of
            # them tries SQLite's lock: a thread waiting on a lock is woken the moment it is
            # free, where threads polling SQLite's lock would take turns burning the GIL. (The
            # event loop's connection never waits: it tries SQLite's lock directly.)
            if not gate.acquire(timeout=self.busy_timeout):
                if self.on_lock_wait is not None:
                    self.on_lock_wait(time.monotonic() - started, True)
                raise BusUnavailable(
                    f"database busy for more than {self.busy_timeout:g}s "
                    "(another writer of this process holds it)"
                )
            self._local.gate = True
        try:
            self._lock_file(handle, started, deadline)
        except BaseException:
            self._open_gate()
            raise

    def _lock_file(self, handle: Handle, started: float, deadline: float) -> None:
        """``BEGIN`` (SQLite: the write lock), tried again in short steps while it is busy."""
        begin = self.dialect.begin
        attempt = 0
        while True:
            try:
                handle.raw.execute(begin)
            except Exception as exc:
                busy = _dialect.is_busy(exc)
                if handle.inline and busy:
                    raise WouldWait from exc
                if busy and time.monotonic() < deadline:
                    pause(attempt)
                    attempt += 1
                    continue
                if self.on_lock_wait is not None and busy:
                    self.on_lock_wait(time.monotonic() - started, True)
                raise self.translate(exc) from exc
            if self.on_lock_wait is not None:
                waited = time.monotonic() - started
                if waited >= LOCK_WAIT_MIN_SECONDS:
                    self.on_lock_wait(waited, False)
            return

    def _open_gate(self) -> None:
        """Let this process's next writer in, if this thread held the gate."""
        local = self._local.__dict__
        if local.get("gate"):
            local["gate"] = False
            assert self._gate is not None
            self._gate.release()

    def patiently(self, call: Callable[[], T]) -> T:
        """Run `call` (a read, or one statement on its own), again while SQLite is busy.

        In WAL mode a read is refused only in rare moments (a connection recovering the WAL
        or closing the last connection): it is tried again in short steps until the busy
        timeout, then `BusUnavailable`. The event loop's own connection never waits.
        """
        deadline = 0.0
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:
                if (
                    not self.sqlite
                    or self._local.__dict__.get("inline")
                    or not _dialect.is_busy(original(exc))
                ):
                    raise self.translate(exc) from exc
                now = time.monotonic()
                deadline = deadline or now + self.busy_timeout
                if now >= deadline:
                    raise self.translate(exc) from exc
                pause(attempt)
                attempt += 1

    def translate(self, exc: BaseException) -> BaseException:
        """`BusUnavailable` for a busy, locked, full or unreachable database; else `exc`."""
        if isinstance(exc, BusError):
            return exc
        if not self.sqlite:
            self._drop_broken()
        orig = original(exc)
        if _dialect.is_busy(orig):
            return BusUnavailable(
                f"database busy for more than {self.busy_timeout:g}s (another writer holds it)"
            )
        if _dialect.is_unavailable(orig):
            return BusUnavailable(f"database cannot take the write: {str(orig)[:200]}")
        return exc
