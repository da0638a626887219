"""sd_notify without libsystemd: datagrams to ``$NOTIFY_SOCKET``.

``READY=1`` once the port is bound and the workers run, ``WATCHDOG=1`` from the event loop
while every worker loop is alive, ``STOPPING=1`` when shutdown begins. An address starting
with ``@`` is in the abstract namespace. Without a socket every call is a no-op.
"""

from __future__ import annotations

import socket

import structlog

log = structlog.get_logger("onebox.service.notify")


class SystemdNotifier:
    """Sends sd_notify states to one socket (or nowhere when `address` is None)."""

    def __init__(self, address: str | None, *, watchdog_seconds: float | None = None) -> None:
        self.address = address
        self.watchdog_seconds = watchdog_seconds
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        """True when a notify socket was given."""
        return bool(self.address)

    def notify(self, state: str) -> bool:
        """Send one state string (``READY=1``); True when it was sent."""
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(state.encode(), target)
        except OSError as exc:
            log.warning("notify.failed", state=state.split("=", 1)[0], error=str(exc))
            return False
        return True

    def ready(self) -> bool:
        """``READY=1``: the service is up."""
        return self.notify("READY=1")

    def watchdog(self) -> bool:
        """``WATCHDOG=1``: the service is alive."""
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        """``STOPPING=1``: shutdown has begun."""
        return self.notify("STOPPING=1")

    def close(self) -> None:
        """Close the socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
