"""Cloud API webhook bodies, turned into channel-neutral inbound messages and delivery statuses.

One POST may carry several entries, each with several changes, each with several messages and
statuses: every one of them is read (libraries that read only ``entry[0]...messages[0]`` lose
the rest). Fields other than ``messages`` (template and account updates) and system messages
are counted as ignored. A sender may be known by phone number (``from`` / ``wa_id``) or only by
the business-scoped user id (``from_user_id`` / contact ``user_id``).

Each message and status is decoded on its own: one that does not fit the format (a wrong
type, a missing id) is reported in `WebhookBatch.rejected` and skipped, and the rest of the
batch is still read. Meta's timestamps are not trusted: a value that is not a finite number
falls back to the arrival time, and one far from it is clamped into
[arrival - `MAX_TIMESTAMP_AGE`, arrival + `MAX_TIMESTAMP_SKEW`] (the 24-hour window is
computed from them), with ``meta["timestamp_adjusted"]`` saying so.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import msgspec
from onebox_bus.contracts import InboundMessage

from .errors import MalformedWebhook

CHANNEL = "whatsapp"
StatusName = Literal["sent", "delivered", "read", "played", "failed"]
STATUS_NAMES: frozenset[str] = frozenset({"sent", "delivered", "read", "played", "failed"})
#: Meta retries a webhook for up to 7 days: an older timestamp is clamped to this age.
MAX_TIMESTAMP_AGE = 8 * 86400.0
#: A timestamp later than the arrival by more than this (clock skew) is clamped to it.
MAX_TIMESTAMP_SKEW = 300.0


# -- the wire format (only what onebox reads; unknown fields are ignored) --------------------


class _Error(msgspec.Struct):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, object] | None = None


class _Profile(msgspec.Struct):
    name: str | None = None
    username: str | None = None


class _Contact(msgspec.Struct):
    wa_id: str | None = None
    user_id: str | None = None
    profile: _Profile | None = None


class _Text(msgspec.Struct):
    body: str = ""


class _Media(msgspec.Struct):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool = False
    animated: bool = False
    sha256: str | None = None


class _Location(msgspec.Struct):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None


class _Reply(msgspec.Struct):
    id: str = ""
    title: str = ""
    description: str | None = None


class _Interactive(msgspec.Struct):
    type: str = ""
    button_reply: _Reply | None = None
    list_reply: _Reply | None = None


class _Button(msgspec.Struct):
    payload: str | None = None
    text: str = ""


class _Reaction(msgspec.Struct):
    message_id: str | None = None
    emoji: str | None = None


class _Context(msgspec.Struct):
    id: str | None = None


class _Message(msgspec.Struct):
    id: str
    timestamp: str | int | float
    type: str = "unknown"
    from_: str | None = msgspec.field(name="from", default=None)
    from_user_id: str | None = None
    context: _Context | None = None
    text: _Text | None = None
    image: _Media | None = None
    video: _Media | None = None
    audio: _Media | None = None
    document: _Media | None = None
    sticker: _Media | None = None
    location: _Location | None = None
    interactive: _Interactive | None = None
    button: _Button | None = None
    reaction: _Reaction | None = None
    contacts: list[dict[str, object]] | None = None
    errors: list[_Error] | None = None


class _Status(msgspec.Struct):
    id: str
    status: str
    timestamp: str | int | float
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    errors: list[_Error] | None = None


class _Metadata(msgspec.Struct):
    phone_number_id: str
    display_phone_number: str | None = None


class _Value(msgspec.Struct):
    metadata: _Metadata | None = None
    contacts: list[_Contact] | None = None
    messages: list[msgspec.Raw] | None = None
    statuses: list[msgspec.Raw] | None = None
    errors: list[_Error] | None = None


class _Change(msgspec.Struct):
    field: str = ""
    value: _Value | None = None


class _Entry(msgspec.Struct):
    id: str | None = None
    changes: list[_Change] = []


class _Envelope(msgspec.Struct):
    object: str
    entry: list[_Entry] = []


_decoder = msgspec.json.Decoder(_Envelope)
_message_decoder = msgspec.json.Decoder(_Message)
_status_decoder = msgspec.json.Decoder(_Status)


# -- what onebox makes of it ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryStatus:
    """A status webhook about a message we sent.

    Attributes:
        message_id: our message's wamid.
        status: sent, delivered, read, played or failed.
        timestamp: when it happened (unix seconds, Meta's clock).
        conversation_id: ``<phone_number_id>:<recipient>``, as in the inbound messages.
        error_code: the first error's code, for ``failed``.
        error: the first error's title and details, for ``failed``.
    """

    message_id: str
    status: StatusName
    timestamp: float
    conversation_id: str
    error_code: int | None = None
    error: str | None = None

    @property
    def dedupe_key(self) -> str:
        """Unique per (message, status): Meta resends statuses like any webhook."""
        return f"{CHANNEL}:{self.message_id}:{self.status}"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookBatch:
    """Everything one webhook POST carried.

    `rejected` holds a short reason for each message or status that did not fit the format
    and was skipped (the rest of the batch is kept).
    """

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    ignored: int = 0


def dedupe_key(message: InboundMessage) -> str:
    """The bus dedupe key of an inbound message: ``whatsapp:<wamid>``."""
    return f"{CHANNEL}:{message.platform_message_id}"


def parse_webhook(
    body: bytes,
    *,
    received_at: float,
    new_correlation_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> WebhookBatch:
    """Read a (verified) webhook body.

    Raises:
        MalformedWebhook: not JSON, or not the Cloud API's envelope.
    """
    try:
        envelope = _decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise MalformedWebhook(f"not a Cloud API webhook: {exc}") from None
    except UnicodeDecodeError:
        raise MalformedWebhook("body is not valid UTF-8") from None
    except RecursionError:
        raise MalformedWebhook("body is nested too deeply") from None
    if envelope.object != "whatsapp_business_account":
        return WebhookBatch(ignored=1)
    messages: list[InboundMessage] = []
    statuses: list[DeliveryStatus] = []
    errors: list[str] = []
    rejected: list[str] = []
    ignored = 0
    for entry in envelope.entry:
        for change in entry.changes:
            value = change.value
            if change.field != "messages" or value is None or value.metadata is None:
                ignored += 1
                continue
            phone_number_id = value.metadata.phone_number_id
            errors.extend(_describe_error(e) for e in value.errors or ())
            for item in value.messages or ():
                try:
                    raw = _message_decoder.decode(item)
                except (msgspec.DecodeError, RecursionError) as exc:
                    rejected.append(f"message skipped: {_short(exc)}")
                    continue
                message = _inbound(
                    raw,
                    phone_number_id=phone_number_id,
                    contacts=value.contacts or [],
                    received_at=received_at,
                    correlation_id=new_correlation_id(),
                )
                if message is None:
                    ignored += 1
                else:
                    messages.append(message)
            for item in value.statuses or ():
                try:
                    status = _status_decoder.decode(item)
                except (msgspec.DecodeError, RecursionError) as exc:
                    rejected.append(f"status skipped: {_short(exc)}")
                    continue
                delivery = _status(status, phone_number_id=phone_number_id, received_at=received_at)
                if delivery is None:
                    ignored += 1
                else:
                    statuses.append(delivery)
    return WebhookBatch(
        messages=messages, statuses=statuses, errors=errors, rejected=rejected, ignored=ignored
    )


def _inbound(
    raw: _Message,
    *,
    phone_number_id: str,
    contacts: list[_Contact],
    received_at: float,
    correlation_id: str,
) -> InboundMessage | None:
    if raw.type == "system":
        return None  # number or BSUID changes: not a customer message
    contact = _contact_for(raw, contacts)
    user_id = raw.from_user_id or (contact.user_id if contact else None)
    sender = raw.from_ or (contact.wa_id if contact else None) or user_id
    if not sender:
        return None
    kind, text, meta = _content(raw)
    meta["phone_number_id"] = phone_number_id
    timestamp, adjusted = _seconds(raw.timestamp, received_at=received_at)
    meta["timestamp"] = str(timestamp)
    if adjusted:
        meta["timestamp_adjusted"] = "true"
    if raw.from_:
        meta["wa_id"] = raw.from_
    if user_id:
        meta["user_id"] = user_id
    if raw.context is not None and raw.context.id:
        meta["context_id"] = raw.context.id
    name = None
    if contact is not None and contact.profile is not None:
        name = contact.profile.name or contact.profile.username
    return InboundMessage(
        channel=CHANNEL,
        conversation_id=f"{phone_number_id}:{sender}",
        sender_id=sender,
        sender_name=name,
        text=text,
        platform_message_id=raw.id,
        received_at=received_at,
        correlation_id=correlation_id,
        content_kind=kind,
        meta=meta,
    )


def _contact_for(raw: _Message, contacts: list[_Contact]) -> _Contact | None:
    for contact in contacts:
        if (raw.from_ and contact.wa_id == raw.from_) or (
            raw.from_user_id and contact.user_id == raw.from_user_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _content(raw: _Message) -> tuple[str, str, dict[str, str]]:
    """(content kind, text, meta) for one message; `meta["summary"]` describes non-text."""
    kind = raw.type
    if kind == "text" and raw.text is not None:
        return "text", raw.text.body, {}
    if kind == "interactive" and raw.interactive is not None:
        reply = raw.interactive.button_reply or raw.interactive.list_reply
        if reply is not None:
            meta = {"interactive": raw.interactive.type, "button_id": reply.id}
            if reply.description:
                meta["description"] = reply.description
            meta["summary"] = f"tapped {reply.title!r}"
            return "button", reply.title, meta
    if kind == "button" and raw.button is not None:
        meta = {"interactive": "template_button", "summary": f"tapped {raw.button.text!r}"}
        if raw.button.payload:
            meta["button_id"] = raw.button.payload
        return "button", raw.button.text, meta
    media = getattr(raw, kind, None) if kind in _MEDIA else None
    if isinstance(media, _Media):
        return _media(kind, media)
    if kind == "location" and raw.location is not None:
        loc = raw.location
        meta = {"latitude": str(loc.latitude), "longitude": str(loc.longitude)}
        where = ", ".join(x for x in (loc.name, loc.address) if x)
        if loc.name:
            meta["name"] = loc.name
        if loc.address:
            meta["address"] = loc.address
        meta["summary"] = f"a location ({where or f'{loc.latitude}, {loc.longitude}'})"
        return "location", "", meta
    if kind == "reaction" and raw.reaction is not None:
        emoji = raw.reaction.emoji or ""
        meta = {"emoji": emoji, "summary": "removed a reaction" if not emoji else "a reaction"}
        if raw.reaction.message_id:
            meta["reacted_to"] = raw.reaction.message_id
        return "reaction", "", meta
    if kind == "contacts":
        return "contact", "", {"summary": "shared a contact card"}
    meta = {"type": kind, "summary": f"a message of a kind onebox does not read ({kind})"}
    if raw.errors:
        meta["error"] = _describe_error(raw.errors[0])
    return "unknown", "", meta


_MEDIA = frozenset({"image", "video", "audio", "document", "sticker"})


def _media(kind: str, media: _Media) -> tuple[str, str, dict[str, str]]:
    meta: dict[str, str] = {}
    if media.id:
        meta["media_id"] = media.id
    if media.mime_type:
        meta["mime_type"] = media.mime_type
    if media.filename:
        meta["filename"] = media.filename
    if kind == "audio":
        if media.sha256:
            meta["sha256"] = media.sha256
        meta["voice"] = "true" if media.voice else "false"
        if media.voice:
            kind = "voice"
    noun = {
        "image": "a photo",
        "video": "a video",
        "audio": "an audio file",
        "voice": "a voice message",
        "document": "a document",
        "sticker": "a sticker",
    }[kind]
    if media.filename:
        noun += f" ({media.filename})"
    meta["summary"] = noun + (" with a caption" if media.caption else "")
    return kind, media.caption or "", meta


def _status(raw: _Status, *, phone_number_id: str, received_at: float) -> DeliveryStatus | None:
    recipient = raw.recipient_id or raw.recipient_user_id
    if raw.status not in STATUS_NAMES or not recipient:
        return None
    code = error = None
    if raw.errors:
        code, error = raw.errors[0].code, _describe_error(raw.errors[0])
    return DeliveryStatus(
        message_id=raw.id,
        status=raw.status,  # type: ignore[arg-type]  # checked against STATUS_NAMES above
        timestamp=_seconds(raw.timestamp, received_at=received_at)[0],
        conversation_id=f"{phone_number_id}:{recipient}",
        error_code=code,
        error=error,
    )


def _short(exc: Exception) -> str:
    """A short reason for a skipped item (msgspec names the field, never its value)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)[:200]


def _describe_error(error: _Error) -> str:
    details = (error.error_data or {}).get("details")
    title = error.title or error.message or "error"
    text = f"{error.code}: {title}"
    if isinstance(details, str) and details and details != title:
        text += f" - {details}"
    return text


def _seconds(timestamp: str | float, *, received_at: float) -> tuple[float, bool]:
    """Meta's timestamp as finite unix seconds near `received_at`, and whether it was adjusted.

    Not a number, NaN or infinite: the arrival time. Otherwise clamped into
    [received_at - MAX_TIMESTAMP_AGE, received_at + MAX_TIMESTAMP_SKEW].
    """
    try:
        value = float(timestamp)
    except (ValueError, OverflowError):
        return received_at, True
    if not math.isfinite(value):
        return received_at, True
    clamped = min(max(value, received_at - MAX_TIMESTAMP_AGE), received_at + MAX_TIMESTAMP_SKEW)
    return clamped, clamped != value
