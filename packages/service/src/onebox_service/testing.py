"""Test helpers shipped with the kit: a scripted channel, a notify socket, a test runtime.

Other packages' tests reuse these: `ScriptedChannel` answers sends from a script (receipts or
delivery errors), `NotifyListener` is the receiving end of ``$NOTIFY_SOCKET``, and
`make_test_runtime` opens a runtime on a migrated SQLite file in a temporary folder.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from onebox_bus.contracts import OutboundMessage
from onebox_bus.testing import migrated_sqlite
from onebox_metrics import Collector

from .channel import DeliveryReceipt
from .runtime import ServiceRuntime, open_runtime
from .settings import ServiceSettings, SystemdEnvironment

Outcome = DeliveryReceipt | BaseException | Callable[[OutboundMessage], DeliveryReceipt]


class ScriptedChannel:
    """A `Channel` whose sends follow a script, then succeed.

    Each send takes the next outcome: a `DeliveryReceipt` is returned, an exception raised,
    a callable called with the reply. When the script is empty, sends succeed with a fresh
    platform message id. `calls` keeps (time, reply) of every send.
    """

    def __init__(
        self,
        name: str = "test",
        script: Iterable[Outcome] = (),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._name = name
        self.script: deque[Outcome] = deque(script)
        self.clock = clock
        self.calls: list[tuple[float, OutboundMessage]] = []
        self.typing: list[OutboundMessage] = []
        self._ids = itertools.count(1)

    @property
    def name(self) -> str:
        """The channel name."""
        return self._name

    async def send(self, reply: OutboundMessage) -> DeliveryReceipt:
        """Follow the script (see the class docstring)."""
        self.calls.append((self.clock(), reply))
        if self.script:
            outcome = self.script.popleft()
            if isinstance(outcome, BaseException):
                raise outcome
            if isinstance(outcome, DeliveryReceipt):
                return outcome
            return outcome(reply)
        return DeliveryReceipt(platform_message_ids=(f"{self._name}-{next(self._ids)}",))

    async def show_typing(self, signal: OutboundMessage) -> bool:
        """Record a typing signal (`ShowsTyping`); always shown."""
        self.typing.append(signal)
        return True


class NotifyListener:
    """The receiving end of an sd_notify socket (AF_UNIX datagrams at `path`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.settimeout(0.05)

    def receive(self) -> list[str]:
        """Collect what has arrived so far; returns every message received."""
        while True:
            try:
                data = self._sock.recv(4096)
            except (TimeoutError, BlockingIOError):
                return self.messages
            self.messages.append(data.decode())

    def wait_for(self, predicate: Callable[[list[str]], bool], *, timeout: float = 20.0) -> bool:
        """Receive until `predicate(messages)` holds or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.receive()):
                return True
        return predicate(self.messages)

    def close(self) -> None:
        """Close and remove the socket."""
        self._sock.close()
        self.path.unlink(missing_ok=True)


def make_test_runtime(
    folder: Path,
    *,
    service: str = "test",
    settings: ServiceSettings | None = None,
    clock: Callable[[], float] = time.time,
    collector: Collector | None = None,
    systemd: SystemdEnvironment | None = None,
    **settings_fields: Any,
) -> ServiceRuntime:
    """A runtime on a freshly migrated SQLite file ``folder/onebox.db``."""
    url = migrated_sqlite(folder / "onebox.db")
    if settings is None:
        settings = ServiceSettings(database_url=url, **settings_fields)
    return open_runtime(
        settings,
        service=service,
        clock=clock,
        systemd=systemd or SystemdEnvironment(),
        collector=collector,
    )
