"""Telegram updates, decoded at the edge into typed structs and normalised for the bus.

`parse_update(body, ...)` decodes the raw webhook body and returns a `ParsedUpdate`: either an
`InboundMessage` the bot should answer (private or group messages, edits, button taps), or an
event the bot does not answer but that is recorded (member status changes such as a user
blocking the bot, service messages such as a group migration, channel posts, update types
the agent does not handle). Unknown fields and unknown update types are accepted: Telegram
adds them with new API versions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
from onebox_bus.contracts import INBOUND, InboundMessage, conversation_key, media_topic

CHANNEL = "telegram"
#: Content kinds that carry speech: published to ``media.telegram`` for the media stage.
VOICE_KINDS = frozenset({"voice", "audio", "video_note"})


_ABSENT = msgspec.Raw()


class UpdateError(ValueError):
    """The body is not JSON or not a Telegram update (a short reason, no body content)."""


class User(msgspec.Struct):
    id: int
    is_bot: bool = False
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None


class Chat(msgspec.Struct):
    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None


class FileRef(msgspec.Struct):
    file_id: str
    emoji: str | None = None
    duration: int | None = None
    mime_type: str | None = None
    file_size: int | None = None


class TopicCreated(msgspec.Struct):
    """A forum topic's first (service) message: its name."""

    name: str = ""


class RepliedTo(msgspec.Struct):
    """The message a message replies to (its id; in a forum topic, the topic's name when
    it is the topic's first message, as a message written in a topic replies to it)."""

    message_id: int
    forum_topic_created: TopicCreated | None = None


class Message(msgspec.Struct):
    message_id: int
    chat: Chat
    date: int = 0
    from_: User | None = msgspec.field(default=None, name="from")
    sender_chat: Chat | None = None
    message_thread_id: int | None = None
    reply_to_message: RepliedTo | None = None
    text: str | None = None
    caption: str | None = None
    photo: list[FileRef] | None = None
    sticker: FileRef | None = None
    voice: FileRef | None = None
    audio: FileRef | None = None
    video: FileRef | None = None
    video_note: FileRef | None = None
    animation: FileRef | None = None
    document: FileRef | None = None
    location: msgspec.Raw = _ABSENT
    venue: msgspec.Raw = _ABSENT
    contact: msgspec.Raw = _ABSENT
    poll: msgspec.Raw = _ABSENT
    dice: msgspec.Raw = _ABSENT
    new_chat_members: msgspec.Raw = _ABSENT
    left_chat_member: msgspec.Raw = _ABSENT
    new_chat_title: msgspec.Raw = _ABSENT
    new_chat_photo: msgspec.Raw = _ABSENT
    delete_chat_photo: msgspec.Raw = _ABSENT
    group_chat_created: msgspec.Raw = _ABSENT
    supergroup_chat_created: msgspec.Raw = _ABSENT
    channel_chat_created: msgspec.Raw = _ABSENT
    pinned_message: msgspec.Raw = _ABSENT
    migrate_to_chat_id: int | None = None
    migrate_from_chat_id: int | None = None
    edit_date: int | None = None


class CallbackQuery(msgspec.Struct):
    id: str
    from_: User = msgspec.field(name="from")
    message: msgspec.Raw = _ABSENT
    data: str | None = None
    chat_instance: str = ""


class ChatMember(msgspec.Struct):
    status: str
    user: User | None = None


class ChatMemberUpdated(msgspec.Struct):
    chat: Chat
    from_: User = msgspec.field(name="from")
    date: int
    old_chat_member: ChatMember
    new_chat_member: ChatMember


class Update(msgspec.Struct):
    """One webhook delivery: ``update_id`` and exactly one kind of content."""

    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    channel_post: msgspec.Raw = _ABSENT
    edited_channel_post: msgspec.Raw = _ABSENT
    callback_query: CallbackQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None
    chat_member: msgspec.Raw = _ABSENT
    chat_join_request: msgspec.Raw = _ABSENT
    inline_query: msgspec.Raw = _ABSENT
    chosen_inline_result: msgspec.Raw = _ABSENT
    shipping_query: msgspec.Raw = _ABSENT
    pre_checkout_query: msgspec.Raw = _ABSENT
    poll: msgspec.Raw = _ABSENT
    poll_answer: msgspec.Raw = _ABSENT
    message_reaction: msgspec.Raw = _ABSENT
    message_reaction_count: msgspec.Raw = _ABSENT
    business_message: msgspec.Raw = _ABSENT
    chat_boost: msgspec.Raw = _ABSENT
    removed_chat_boost: msgspec.Raw = _ABSENT


_DECODER = msgspec.json.Decoder(Update)
_MESSAGE_DECODER = msgspec.json.Decoder(Message)
_KINDS = tuple(name for name in Update.__struct_fields__ if name != "update_id")
_SERVICE_FIELDS = (
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "pinned_message",
)
_MEDIA = (
    ("photo", "image"),
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("audio", "audio"),
    ("video", "video"),
    ("video_note", "video_note"),
    ("animation", "video"),
    ("document", "document"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedUpdate:
    """What one update means for the agent.

    Attributes:
        update_id: Telegram's id (the dedupe key is ``telegram:<update_id>``).
        kind: the update's type (``message``, ``callback_query``, ..., ``unknown``).
        inbound: the message to answer, or None when the update is only recorded.
        event: what happened when nothing is answered (``member.blocked``,
            ``service.migrate``, ``ignored.channel_post``...), else None.
        chat_id: the conversation, when the update has one.
        detail: small, non-personal facts about the event (statuses, new chat id).
    """

    update_id: int
    kind: str
    inbound: InboundMessage | None = None
    event: str | None = None
    chat_id: str | None = None
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """``telegram:<update_id>``: a redelivered update is absorbed by the bus."""
        return f"{CHANNEL}:{self.update_id}"

    @property
    def key(self) -> str | None:
        """The conversation's bus key (``telegram:<chat_id>``)."""
        return conversation_key(CHANNEL, self.chat_id) if self.chat_id is not None else None

    @property
    def topic(self) -> str:
        """Where the inbound message is published: ``media.telegram`` for speech to
        transcribe (voice, audio, video note), else ``inbound``."""
        if self.inbound is not None and self.inbound.content_kind in VOICE_KINDS:
            return media_topic(CHANNEL)
        return INBOUND


def decode_update(body: bytes) -> Update:
    """Decode a webhook body.

    Raises:
        UpdateError: not JSON (or not UTF-8, or nested too deeply), or not an object with an
            integer ``update_id``.
    """
    try:
        update = _DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise UpdateError(f"not a Telegram update: {exc}") from None
    except msgspec.DecodeError:
        raise UpdateError("body is not valid JSON") from None
    except UnicodeDecodeError:
        raise UpdateError("body is not valid UTF-8") from None
    except RecursionError:
        raise UpdateError("body is nested too deeply") from None
    if update.update_id < 0:
        raise UpdateError("not a Telegram update: update_id is negative")
    return update


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    full = " ".join(p for p in (user.first_name, user.last_name) if p)
    return full or user.username


def _from_message(
    update_id: int, kind: str, msg: Message, *, received_at: float, correlation_id: str
) -> ParsedUpdate:
    chat_id = str(msg.chat.id)
    services = [name for name in _SERVICE_FIELDS if _present(getattr(msg, name))]
    if services:
        detail = {"type": msg.chat.type, "fields": ",".join(services)}
        if msg.migrate_to_chat_id is not None:
            detail["migrate_to_chat_id"] = str(msg.migrate_to_chat_id)
            return ParsedUpdate(
                update_id=update_id,
                kind=kind,
                event="service.migrate",
                chat_id=chat_id,
                detail=detail,
            )
        return ParsedUpdate(
            update_id=update_id, kind=kind, event="service.message", chat_id=chat_id, detail=detail
        )
    sender = msg.from_
    if sender is not None and sender.is_bot and msg.sender_chat is None:
        return ParsedUpdate(
            update_id=update_id, kind=kind, event="ignored.from_bot", chat_id=chat_id
        )
    text = msg.text if msg.text is not None else (msg.caption or "")
    content = "text"
    meta: dict[str, str] = {"chat_type": msg.chat.type}
    for attr, label in _MEDIA:
        value = getattr(msg, attr)
        if value:
            content = label
            ref = value[-1] if isinstance(value, list) else value
            meta["file_id"] = ref.file_id
            if ref.emoji:
                meta["emoji"] = ref.emoji
            if label in VOICE_KINDS:
                meta.update(_speech_facts(ref, label))
            elif ref.file_size is not None:  # a photo an operator may pass on: its size
                meta["file_size"] = str(ref.file_size)
            break
    else:
        if _present(msg.location) or _present(msg.venue):
            content = "location"
        elif _present(msg.contact):
            content = "contact"
        elif msg.text is None:
            content = "unknown"
        elif text.startswith("/"):
            content = "command"
    if kind == "edited_message":
        meta["edited"] = "true"
    if msg.message_thread_id is not None:
        meta["message_thread_id"] = str(msg.message_thread_id)
    if msg.reply_to_message is not None:
        meta["reply_to_message_id"] = str(msg.reply_to_message.message_id)
        if msg.reply_to_message.forum_topic_created is not None:
            meta["topic_name"] = msg.reply_to_message.forum_topic_created.name[:128]
    sender_chat = msg.sender_chat
    inbound = InboundMessage(
        channel=CHANNEL,
        conversation_id=chat_id,
        sender_id=str(sender_chat.id if sender_chat is not None else sender.id if sender else 0),
        sender_name=(sender_chat.title if sender_chat is not None else _name(sender)),
        text=text,
        platform_message_id=str(msg.message_id),
        received_at=received_at,
        correlation_id=correlation_id,
        content_kind=content,
        meta=meta,
    )
    return ParsedUpdate(update_id=update_id, kind=kind, inbound=inbound, chat_id=chat_id)


def _from_callback(
    update_id: int, query: CallbackQuery, *, received_at: float, correlation_id: str
) -> ParsedUpdate:
    chat_id = str(query.from_.id)
    meta = {"callback_query_id": query.id}
    message_id = ""
    if _present(query.message):
        try:
            origin = _MESSAGE_DECODER.decode(query.message)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            origin = None
        if origin is not None:
            chat_id = str(origin.chat.id)
            message_id = str(origin.message_id)
            meta["chat_type"] = origin.chat.type
    inbound = InboundMessage(
        channel=CHANNEL,
        conversation_id=chat_id,
        sender_id=str(query.from_.id),
        sender_name=_name(query.from_),
        text=query.data or "",
        platform_message_id=message_id,
        received_at=received_at,
        correlation_id=correlation_id,
        content_kind="button",
        meta=meta,
    )
    return ParsedUpdate(
        update_id=update_id, kind="callback_query", inbound=inbound, chat_id=chat_id
    )


def _member_event(update_id: int, change: ChatMemberUpdated) -> ParsedUpdate:
    old, new = change.old_chat_member.status, change.new_chat_member.status
    private = change.chat.type == "private"
    if new in ("kicked", "left"):
        event = "member.blocked" if private else "member.removed"
    elif old in ("kicked", "left") and new in ("member", "administrator"):
        event = "member.unblocked" if private else "member.added"
    else:
        event = "member.changed"
    return ParsedUpdate(
        update_id=update_id,
        kind="my_chat_member",
        event=event,
        chat_id=str(change.chat.id),
        detail={"old": old, "new": new, "type": change.chat.type},
    )


def parse_update(
    body: bytes, *, received_at: float, correlation_id: str | None = None
) -> ParsedUpdate:
    """Decode and normalise one webhook body.

    Args:
        body: the raw request body.
        received_at: when the webhook arrived (unix seconds).
        correlation_id: the id to carry to the reply (a new one when None).

    Raises:
        UpdateError: not JSON or not an update; the caller answers 400 and records it.
    """
    update = decode_update(body)
    cid = correlation_id or uuid.uuid4().hex
    uid = update.update_id
    if update.message is not None:
        return _from_message(
            uid, "message", update.message, received_at=received_at, correlation_id=cid
        )
    if update.edited_message is not None:
        return _from_message(
            uid,
            "edited_message",
            update.edited_message,
            received_at=received_at,
            correlation_id=cid,
        )
    if update.callback_query is not None:
        return _from_callback(
            uid, update.callback_query, received_at=received_at, correlation_id=cid
        )
    if update.my_chat_member is not None:
        return _member_event(uid, update.my_chat_member)
    kind = next((name for name in _KINDS if _present(getattr(update, name))), "unknown")
    chat_id = _raw_chat_id(getattr(update, kind, None)) if kind != "unknown" else None
    return ParsedUpdate(update_id=uid, kind=kind, event=f"ignored.{kind}", chat_id=chat_id)


def _speech_facts(ref: FileRef, label: str) -> dict[str, str]:
    """What the media stage needs before any download: duration, declared type and size."""
    facts: dict[str, str] = {}
    if ref.duration is not None:
        facts["duration"] = str(ref.duration)
    mime = ref.mime_type or ("video/mp4" if label == "video_note" else None)
    if mime:
        facts["mime_type"] = mime
    if ref.file_size is not None:
        facts["file_size"] = str(ref.file_size)
    return facts


def _present(value: object) -> bool:
    """True when an optional field was in the JSON (a `Raw` default is empty)."""
    if isinstance(value, msgspec.Raw):
        return len(value) > 0
    return value is not None


def _raw_chat_id(raw: Any) -> str | None:
    if not isinstance(raw, msgspec.Raw) or not _present(raw):
        return None
    try:
        value = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    chat = value.get("chat") if isinstance(value, dict) else None
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return str(chat["id"])
    return None
