"""Sandbox mode: replies recorded, not sent, and unsigned webhooks only from this machine.

Sandbox is an explicit mode: ``ONEBOX_SANDBOX=1`` asks for it, ``ONEBOX_SANDBOX=0`` refuses
it, and when the variable is unset it is implied only by missing platform tokens on a
loopback listen address (`sandbox_mode` decides, and refuses the rest with one line naming
the variable). An agent in sandbox mode uses `SandboxChannel` in place of its real channel;
the `Sender` records each reply with ``sandbox=true``, status ``sent`` and the reply text.
`sandbox_replies` reads them back by correlation id (``onebox chat`` polls it).

The listen address alone does not say who is talking: a reverse proxy on the same host
connects from 127.0.0.1 on behalf of anyone on the internet. So an unsigned webhook is
accepted only when `direct_from_loopback` holds: the peer address is loopback and the
request carries none of the headers a proxy adds (``Forwarded``, ``X-Forwarded-For``,
``Via``, ...).
"""

from __future__ import annotations

import ipaddress
import itertools
import time
from collections.abc import Mapping

from onebox_bus import Clock
from onebox_bus.contracts import PARCEL, TELEGRAM_PHOTO, OutboundMessage

from .channel import DeliveryReceipt
from .deliveries import Delivery, DeliveryStore

#: Headers a reverse proxy adds: a request carrying any of them did not come from here.
PROXY_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
)


def is_loopback(host: str) -> bool:
    """Whether `host` (a listen or peer address) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def direct_from_loopback(peer: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a request came from this machine itself, through no proxy.

    Args:
        peer: the connection's peer address (None when unknown).
        headers: the request headers (lower-case names).
    """
    if peer is None or not is_loopback(peer):
        return False
    return not any(name in headers for name in PROXY_HEADERS)


def sandbox_mode(
    requested: bool | None, *, configured: bool, host: str, token_variable: str
) -> bool:
    """Whether a channel runs in sandbox mode.

    Args:
        requested: ``ONEBOX_SANDBOX`` (None when unset).
        configured: whether the channel's platform token is set.
        host: ``ONEBOX_HOST``.
        token_variable: the token's variable, named in the error.

    Raises:
        ValueError: production (``ONEBOX_SANDBOX=0``, or unset off loopback) without the token.
    """
    if requested is not None:
        if not requested and not configured:
            raise ValueError(f"{token_variable} is required when ONEBOX_SANDBOX=0")
        return requested
    if configured:
        return False
    if not is_loopback(host):
        raise ValueError(
            f"{token_variable} is required when ONEBOX_HOST is not loopback "
            "(sandbox is implied only on loopback; set ONEBOX_SANDBOX=1 to ask for it)"
        )
    return True


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
        text = reply.text
        if reply.meta.get(TELEGRAM_PHOTO) or reply.meta.get(PARCEL):
            text = f"[photo] {text}".strip()  # an operator's photo: only its caption is text
        return DeliveryReceipt(platform_message_ids=(pid,), sandbox=True, text=text)


def sandbox_replies(store: DeliveryStore, correlation_id: str) -> list[Delivery]:
    """The sandbox replies recorded for one correlation id, oldest first."""
    return store.by_correlation(correlation_id, sandbox_only=True)
