"""Sandbox delivery: replies recorded, not sent, so the whole stack runs offline.

A service without platform credentials uses `SandboxChannel` in place of its real channel;
the `Sender` records each reply with ``sandbox=true``, status ``sent`` and the reply text.
`sandbox_replies` reads them back by correlation id (``onebox chat`` polls it).
"""

from __future__ import annotations

import itertools
import time

from onebox_bus import Clock
from onebox_bus.contracts import OutboundMessage

from .channel import DeliveryReceipt
from .deliveries import Delivery, DeliveryStore


class SandboxChannel:
    """A `Channel` that sends nothing: each reply becomes a sandbox delivery record."""

    def __init__(self, name: str, *, clock: Clock = time.time) -> None:
        self._name = name
        self._clock = clock
        self._ids = itertools.count(1)
        self.sent: list[OutboundMessage] = []

    @property
    def name(self) -> str:
        """The channel this stands in for (``telegram``)."""
        return self._name

    async def send(self, reply: OutboundMessage) -> DeliveryReceipt:
        """Record the reply (through the sender's delivery record); never fails."""
        self.sent.append(reply)
        if len(self.sent) > 1000:
            del self.sent[:500]
        pid = f"sandbox-{int(self._clock() * 1000)}-{next(self._ids)}"
        return DeliveryReceipt(platform_message_ids=(pid,), sandbox=True, text=reply.text)


def sandbox_replies(store: DeliveryStore, correlation_id: str) -> list[Delivery]:
    """The sandbox replies recorded for one correlation id, oldest first."""
    return store.by_correlation(correlation_id, sandbox_only=True)
