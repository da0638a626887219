"""The SQLite doorbell: one Unix datagram socket per consumer process and topic (see `doorbell`).

Publishers keep the folder's listing in memory and read it again only when the folder's
mtime changed, or when the listing was taken so soon after that mtime that an entry added
in the same clock tick could be missing from it (the "racy" window, as git does for its
index). A ring is then one ``stat`` plus one non-blocking ``sendto`` per listening process.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import secrets
import socket
import stat
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import structlog

from .doorbell import Wake

log = structlog.get_logger("onebox.bus.doorbell")

#: Longest path a Unix socket address holds on Linux (108 bytes with the trailing NUL).
MAX_ADDRESS = 107
#: A listing taken less than this after the folder's mtime is read again next time.
RACY_NS = 50_000_000
#: Topics longer than this are named by a hash (keeps names and /proc addresses short).
MAX_PLAIN_TOPIC = 48


def socket_prefix(topic: str) -> str:
    """The part of a socket's name that says which topic it listens to."""
    if len(topic) <= MAX_PLAIN_TOPIC:
        return topic
    return "#" + hashlib.sha256(topic.encode()).hexdigest()[:24]


class SocketDoorbell:
    """Rings and listens through ``<db>.doorbell/``; see the `doorbell` module."""

    def __init__(self, database: Path) -> None:
        self.database = database.absolute()
        self.directory = self.database.with_name(self.database.name + ".doorbell")
        self._lock = threading.Lock()
        self._bells: dict[str, _Bell] = {}
        self._sender: socket.socket | None = None
        self._dir_fd: int | None = None
        self._index: dict[str, list[str]] = {}
        self._mtime = -1
        self._scanned_at = 0
        self._own: set[str] = set()  # its consumers are woken in-process, by `Bus` listeners
        self._warned = False
        self._closed = False

    # -- publishing side ----------------------------------------------------------

    def before_commit(self, cursor: Any, topics: Collection[str]) -> None:
        """Nothing to do inside the transaction: SQLite rings after the commit."""

    def ring(self, topic: str) -> None:
        """Send one datagram to each other process listening to `topic`; never blocks."""
        if self._closed:
            return
        try:
            # "*": messages of unknown topics became claimable (dead letters replayed by id).
            names = self._listening(None if topic == "*" else socket_prefix(topic))
        except OSError:
            return  # no folder: nobody has ever listened here
        if not names:
            return
        sender = self._sender
        if sender is None:
            sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sender.setblocking(False)
            self._sender = sender
        for name in names:
            try:
                sender.sendto(b"\x01", self._address(name))
            except (ConnectionRefusedError, FileNotFoundError):
                self._forget(name)  # its process is gone
            except OSError:
                continue  # its queue is full (it is already woken) or it is not ours to ring

    def _listening(self, prefix: str | None) -> list[str]:
        st = os.stat(self.directory)
        if st.st_mtime_ns != self._mtime or self._scanned_at - st.st_mtime_ns < RACY_NS:
            started = time.time_ns()
            index: dict[str, list[str]] = {}
            for entry in os.listdir(self.directory):
                topic, sep, _ = entry.rpartition("@")
                if sep and entry not in self._own:
                    index.setdefault(topic, []).append(entry)
            self._index, self._mtime, self._scanned_at = index, st.st_mtime_ns, started
        if prefix is None:
            return [name for names in self._index.values() for name in names]
        return self._index.get(prefix, [])

    def _forget(self, name: str) -> None:
        # Already gone, or not ours to remove: it refuses rings either way.
        with contextlib.suppress(OSError):
            os.unlink(self.directory / name)
        self._mtime = -1

    def _address(self, name: str) -> str:
        path = str(self.directory / name)
        if len(os.fsencode(path)) <= MAX_ADDRESS:
            return path
        if self._dir_fd is None:
            self._dir_fd = os.open(self.directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        return f"/proc/self/fd/{self._dir_fd}/{name}"

    # -- consuming side -----------------------------------------------------------

    def subscribe(self, topic: str, wake: Wake) -> _Subscription:
        """Listen to `topic` on this process's socket for it (opened on first use)."""
        with self._lock:
            bell = self._bells.get(topic)
            if bell is None or bell.stopped:
                bell = _Bell(self, topic)
                self._bells[topic] = bell
            bell.wakes.append(wake)
        return _Subscription(self, bell, wake)

    def _unsubscribe(self, bell: _Bell, wake: Wake) -> None:
        with self._lock:
            if wake in bell.wakes:
                bell.wakes.remove(wake)
            if bell.wakes or bell.stopped:
                return
            if self._bells.get(bell.topic) is bell:
                del self._bells[bell.topic]
        bell.stop()

    def _bind(self, topic: str) -> tuple[socket.socket, Path]:
        """Create the folder if needed and bind this process's socket for `topic`."""
        self._make_directory()
        name = f"{socket_prefix(topic)}@{os.getpid()}.{secrets.token_hex(3)}"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            address = self._address(name)
            sock.bind(address)
            os.chmod(address, 0o660)
        except OSError:
            sock.close()
            raise
        self._own.add(name)
        self._mtime = -1
        return sock, self.directory / name

    def _make_directory(self) -> None:
        try:
            os.mkdir(self.directory, 0o770)
        except FileExistsError:
            if not stat.S_ISDIR(os.stat(self.directory).st_mode):
                raise NotADirectoryError(
                    errno.ENOTDIR, "not a directory", str(self.directory)
                ) from None
            return
        owner, made = os.stat(self.database), os.stat(self.directory)
        if (owner.st_uid, owner.st_gid) != (made.st_uid, made.st_gid):
            # Not allowed to give it away (not root, or chown filtered): it stays ours.
            with contextlib.suppress(OSError):
                os.chown(self.directory, owner.st_uid, owner.st_gid)
        os.chmod(self.directory, 0o2770)

    def warn_down(self, topic: str, exc: OSError) -> None:
        """Log, once per process, that consumers here fall back to polling."""
        if not self._warned:
            self._warned = True
            log.warning(
                "bus.doorbell_down",
                topic=topic,
                folder=str(self.directory),
                error=exc.strerror or type(exc).__name__,
            )

    def close(self) -> None:
        """Remove this process's sockets and stop their threads."""
        self._closed = True
        with self._lock:
            bells = list(self._bells.values())
            self._bells.clear()
        for bell in bells:
            bell.stop()
        if self._sender is not None:
            self._sender.close()
            self._sender = None
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


class _Bell:
    """This process's socket for one topic, watched by the subscriber's event loop.

    Subscribed from inside a running event loop (a `Consumer`), the socket is one more file
    the loop waits on: a ring wakes the loop itself, with no thread and no hand-over of the
    GIL. Subscribed from plain threads, a daemon thread waits on it instead.
    """

    def __init__(self, doorbell: SocketDoorbell, topic: str) -> None:
        self.topic = topic
        self.wakes: list[Wake] = []
        self.stopped = False
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.path: Path | None = None
        self._address = ""
        try:
            self._sock, self.path = doorbell._bind(topic)
            self._address = str(self._sock.getsockname())
        except OSError as exc:
            doorbell.warn_down(topic, exc)
            return
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._thread = threading.Thread(
                target=self._listen, name=f"doorbell-{topic}", daemon=True
            )
            self._thread.start()
        else:
            self._sock.setblocking(False)
            self._loop.add_reader(self._sock.fileno(), self._readable)

    @property
    def up(self) -> bool:
        """Bound, listening, and its file still there for publishers to find."""
        if self._sock is None or self.stopped:
            return False
        if self._loop is not None and self._loop.is_closed():
            return False
        try:
            os.stat(self._address)
        except OSError:
            return False  # removed by hand: nobody can ring it, so its consumers poll
        return True

    def _listen(self) -> None:
        sock = self._sock
        assert sock is not None
        while True:
            try:
                sock.recv(16)
                while True:  # one wake for everything that queued up meanwhile
                    sock.recv(16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                pass
            except OSError:
                return
            if self.stopped:
                return
            for wake in list(self.wakes):
                wake()

    def _readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            while True:  # one wake for everything that queued up meanwhile
                sock.recv(16)
        except OSError:
            pass  # drained (BlockingIOError), or closed meanwhile
        if not self.stopped:
            for wake in list(self.wakes):
                wake()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if self._thread is not None:
            with contextlib.suppress(OSError):  # wake the thread so it sees `stopped`
                sock.sendto(b"\x00", self._address)
            self._thread.join(timeout=1.0)
        elif self._loop is not None:
            _detach(self._loop, sock.fileno())
        # Already removed (by a publisher that found it dead, or by hand): nothing to do.
        with contextlib.suppress(OSError):
            os.unlink(self._address)
        sock.close()


def _detach(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """Stop `loop` watching `fd`, from its own thread or (waiting briefly) from another."""
    if loop.is_closed():
        return
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    if current is loop or not loop.is_running():
        loop.remove_reader(fd)
        return
    done = threading.Event()

    def detach() -> None:
        loop.remove_reader(fd)
        done.set()

    loop.call_soon_threadsafe(detach)
    done.wait(1.0)


class _Subscription:
    def __init__(self, doorbell: SocketDoorbell, bell: _Bell, wake: Wake) -> None:
        self._doorbell = doorbell
        self._bell = bell
        self._wake = wake

    @property
    def up(self) -> bool:
        return self._bell.up

    def close(self) -> None:
        self._doorbell._unsubscribe(self._bell, self._wake)
