"""The outbound side's contract: what a channel is and what a send returns.

A channel (`TelegramChannel`, `WhatsAppChannel`, `SandboxChannel`) satisfies `Channel`
structurally. `send` makes the platform calls for one reply and returns a
`DeliveryReceipt`, or raises one of the `DeliveryError` classes (`RateLimited`,
`TransientDeliveryError`, `PermanentDeliveryError`); the `Sender` turns each into a bus action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from onebox_bus.contracts import OutboundMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReceipt:
    """What a successful send returns.

    Attributes:
        platform_message_ids: the platform's id of each message sent (one per part when the
            text was split); the delivery records are keyed on them.
        sandbox: True when nothing was sent (the reply was only recorded).
        text: the text to keep with the record; only sandbox receipts set it (the local chat
            command reads it), real sends never store message text.
        note: what the person who wrote the reply should know although it was sent (a
            template went without their text); published through the reply's note envelope
            (`failures.sent_note`), if it carries one.
    """

    platform_message_ids: tuple[str, ...] = ()
    sandbox: bool = False
    text: str | None = None
    note: str | None = None


class Channel(Protocol):
    """One messaging platform's outbound side."""

    @property
    def name(self) -> str:
        """The channel name (``telegram``); the sender consumes ``outbound.<name>``."""
        ...

    async def send(self, reply: OutboundMessage) -> DeliveryReceipt:
        """Deliver one reply, or raise a `DeliveryError` subclass saying what to do next."""
        ...


@runtime_checkable
class ShowsTyping(Protocol):
    """A channel that can show the platform's typing signal (`OutboundMessage.signal`)."""

    async def show_typing(self, signal: OutboundMessage) -> bool:
        """Show "typing..." in the signal's conversation, once.

        A courtesy: platform errors are logged and answered False, never raised, and never
        retried (the reply may be on its way).
        """
        ...
