"""An operator's photo for a customer: what it becomes on each channel, and what is refused.

The operator sends a photo (with an optional caption) in the Telegram operator chat, as a
reply to an escalation post or inside the customer's forum topic. It goes out through the
normal outbound path, keyed by the customer's conversation like the operator's text:

- to a Telegram customer: the same bot sends the photo again by its ``file_id``
  (``meta["telegram_photo"]``), the caption as the reply's text;
- to a WhatsApp customer: WhatsApp cannot fetch a Telegram file, so the reply names a parcel
  (``meta["parcel"]``) and is published waiting (`PHOTO_WAIT`), which keeps the customer's
  later messages queued behind it; a `FetchRequest` asks the Telegram agent to download the
  photo into the shared database and wake the reply (`onebox_service.parcel_stage`).

A photo the platform declared larger than WhatsApp takes is refused here, before anything is
published. Other media (files, stickers, voice notes, videos...) are refused with what can be
sent instead.
"""

from __future__ import annotations

from onebox_bus.contracts import PARCEL, TELEGRAM_PHOTO, FetchRequest, InboundMessage
from onebox_service import MediaTooLarge, too_large_reason

from .desk import channel_name, who
from .handoffs import Handoff

PHOTO_WAIT = 600.0
"""How long a photo reply to a WhatsApp customer waits for the Telegram agent to fetch it
(seconds); after that its channel finds no parcel and the operator is told."""

SENDABLE = "Send text, or a photo with an optional caption."

_WORDS = {
    "document": "a file",
    "sticker": "a sticker",
    "voice": "a voice note",
    "audio": "an audio file",
    "video": "a video",
    "video_note": "a round video",
    "location": "a location",
    "contact": "a contact",
    "button": "a button",
    "reaction": "a reaction",
}


def is_photo(inbound: InboundMessage) -> bool:
    """Whether the operator's message is a photo the bot can pass on (it has a file id)."""
    return inbound.content_kind == "image" and bool(inbound.meta.get("file_id"))


def not_sendable(kind: str) -> str:
    """The answer to an operator's message that is neither text nor a photo."""
    what = _WORDS.get(kind, "that kind of message")
    text = f"Only text and photos reach a customer: {what} was not sent. {SENDABLE}"
    if kind == "document":
        text += " (A picture sent as a file stays a file: send it as a photo.)"
    return text


def photo_refusal(inbound: InboundMessage, handoff: Handoff, *, limit: int) -> str | None:
    """Why the operator's photo cannot go to `handoff`'s customer at all; None when it can."""
    if handoff.channel not in ("telegram", "whatsapp"):
        return (
            f"{who(handoff)}: photos reach customers on Telegram and WhatsApp only, so "
            "nothing was sent. Answer with text."
        )
    declared = inbound.meta.get("file_size", "")
    if handoff.channel == "whatsapp" and declared.isdigit() and int(declared) > limit:
        reason = too_large_reason(
            MediaTooLarge(limit=limit, size=int(declared)), channel=channel_name(handoff.channel)
        )
        return f"{who(handoff)}: {reason}, so nothing was sent. Send a smaller photo."
    return None


def parcel_ref(inbound: InboundMessage) -> str:
    """The parcel a photo from the operator's message `inbound` travels in (one per message)."""
    return f"operator-photo:{inbound.conversation_id}:{inbound.platform_message_id}"


def photo_meta(meta: dict[str, str], inbound: InboundMessage, handoff: Handoff) -> dict[str, str]:
    """The reply's meta for the photo: its ``file_id`` on Telegram, its parcel elsewhere."""
    if handoff.channel == "telegram":
        return {**meta, TELEGRAM_PHOTO: inbound.meta["file_id"]}
    return {**meta, PARCEL: parcel_ref(inbound)}


def fetch_request(inbound: InboundMessage, handoff: Handoff, *, reply_topic: str,
                  reply_id: int) -> FetchRequest:  # fmt: skip
    """What asks the Telegram agent to fetch the photo for the waiting reply `reply_id`."""
    declared = inbound.meta.get("file_size", "")
    return FetchRequest(
        file_id=inbound.meta["file_id"],
        parcel=parcel_ref(inbound),
        channel=handoff.channel,
        reply_topic=reply_topic,
        reply_id=reply_id,
        correlation_id=inbound.correlation_id,
        declared_size=int(declared) if declared.isdigit() else None,
    )


def turn_text(text: str) -> str:
    """How a photo is remembered in the conversation: ``[photo] caption``."""
    return f"[photo] {text}".strip()
