"""The channel-neutral envelopes the services exchange over the bus, and the topic names.

Agents publish `InboundMessage` to `INBOUND` (the operator chat's to `OPERATOR`); the
orchestrator publishes `OutboundMessage` to `outbound_topic(channel)`; each agent's sender
consumes its own outbound topic. Payloads are
JSON objects; unknown fields are ignored when decoding, so a newer producer does not break
an older consumer (services are deployed one at a time).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import orjson

ChannelName = Literal["telegram", "whatsapp"]
Signal = Literal["typing"]
"""What an `OutboundMessage` without text asks the sender to show."""
CHANNELS: tuple[ChannelName, ...] = ("telegram", "whatsapp")

INBOUND = "inbound"
"""Topic of every customer message, from every channel."""

OPERATOR = "operator"
"""Topic of the messages written in the operator chat (Telegram ``ONEBOX_OPERATOR_CHAT_ID``):
the person behind the bot, never a customer. Same `InboundMessage` envelope; a reply carries
``meta["reply_to_message_id"]``."""

FROM_OPERATOR = "from_operator"
"""``OutboundMessage.meta`` key set (to ``"1"``) on a reply a person wrote in the operator chat:
it answers no customer message of its own, so its arrival time says nothing about the
customer's last message (WhatsApp's 24-hour window)."""

TELEGRAM_PHOTO = "telegram_photo"
"""``OutboundMessage.meta`` key holding the ``file_id`` of a photo the bot can send again on
Telegram (an operator's photo): the reply is that photo, its text the caption."""

PARCEL = "parcel"
"""``OutboundMessage.meta`` key naming the parcel (a file another agent fetched, kept in the
shared database) the reply sends: an operator's photo for a WhatsApp customer; the text is its
caption. Such a reply is published waiting and woken once its parcel is there."""

FORUM_TOPIC = "forum_topic"
"""``OutboundMessage.meta`` key naming a forum topic to open in a Telegram forum supergroup
(the operator chat with topics on) and to post the message into (``createForumTopic``); its
later messages are replies to it, which Telegram keeps in that topic."""

ContentKind = Literal[
    "text",
    "command",
    "button",
    "image",
    "audio",
    "voice",
    "video",
    "video_note",
    "document",
    "sticker",
    "location",
    "contact",
    "reaction",
    "unknown",
]


def media_topic(channel: str) -> str:
    """Topic of a channel's voice notes to download and transcribe (``media.<channel>``).

    The agent's media stage consumes it and publishes the transcribed message to `INBOUND`.
    """
    return f"media.{channel}"


def fetch_topic(channel: str) -> str:
    """Topic of the files a channel's agent fetches for another channel's reply
    (``fetch.telegram``: an operator's photo for a WhatsApp customer); see `FetchRequest`."""
    return f"fetch.{channel}"


def outbound_topic(channel: str) -> str:
    """The topic a channel's replies go to (``outbound.telegram``)."""
    return f"outbound.{channel}"


def conversation_key(channel: str, conversation_id: str) -> str:
    """The bus key of a conversation (``telegram:<chat_id>``): per-key FIFO holds per chat."""
    return f"{channel}:{conversation_id}"


class _Envelope:
    __slots__ = ()

    def to_payload(self) -> bytes:
        """The JSON bytes published on the bus (orjson serialises the dataclass natively:
        the same object `dataclasses.asdict` would give, without building it first)."""
        return orjson.dumps(self)

    @classmethod
    def from_payload(cls, payload: bytes | dict[str, Any]) -> Self:
        """Decode a bus payload, ignoring fields this version does not know."""
        data = orjson.loads(payload) if isinstance(payload, bytes | str) else payload
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMessage(_Envelope):
    """A customer's message, as any channel delivers it.

    Attributes:
        channel: where it came from.
        conversation_id: the platform's conversation (Telegram chat id;
            ``<phone_number_id>:<wa_id or user_id>`` on WhatsApp).
        sender_id: the platform's id of the person.
        sender_name: display name when the platform gives one.
        text: the text (or caption, or the title of a tapped button); empty for media.
        platform_message_id: the platform's id of this message (to reply to, to mark read).
        received_at: when the webhook arrived (unix seconds): the processing window starts here.
        correlation_id: follows the message to its reply across every service and log line.
        content_kind: what it was when it was not plain text.
        meta: small platform details the reply may need (button ids, edit flags).
    """

    channel: str
    conversation_id: str
    sender_id: str
    text: str
    platform_message_id: str
    received_at: float
    correlation_id: str
    sender_name: str | None = None
    content_kind: str = "text"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The bus key of its conversation."""
        return conversation_key(self.channel, self.conversation_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage(_Envelope):
    """A reply for one conversation of one channel.

    Attributes:
        channel: where it goes.
        conversation_id: the conversation, as in the inbound message.
        text: what to send (the sender splits it to the platform's limits).
        correlation_id: the inbound message's correlation id.
        reply_to: the platform message id this answers, when it answers one.
        received_at: when the inbound message's webhook arrived (for end-to-end latency).
        meta: channel details (e.g. the WhatsApp phone number id to send from).
        signal: None for a reply; ``"typing"`` for a typing signal (no text: the sender
            shows the platform's typing indicator for `reply_to`'s conversation, once, never
            retried, and drops it when it is older than a few seconds).
    """

    channel: str
    conversation_id: str
    text: str
    correlation_id: str
    reply_to: str | None = None
    received_at: float | None = None
    meta: dict[str, str] = field(default_factory=dict)
    signal: Signal | None = None

    @property
    def key(self) -> str:
        """The bus key of its conversation."""
        return conversation_key(self.channel, self.conversation_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRequest(_Envelope):
    """A file for one agent to fetch and leave as a parcel for another channel's reply.

    Attributes:
        file_id: the platform's id of the file (a Telegram ``file_id``).
        parcel: the reference to store it under (the reply's ``meta["parcel"]``).
        channel: the channel the reply goes out on (``whatsapp``).
        reply_topic: the waiting reply's topic (``outbound.whatsapp``).
        reply_id: the waiting reply's bus message id: woken once the parcel is stored.
        correlation_id: the operator message's correlation id.
        declared_size: the file's size as the platform declared it, when it did.
    """

    file_id: str
    parcel: str
    channel: str
    reply_topic: str
    reply_id: int
    correlation_id: str
    declared_size: int | None = None
