"""Builders of real update JSON: every kind of update the agent meets, as bytes too."""

from __future__ import annotations

import itertools
import json
from typing import Any

from .bot_api import BOT_USER

_ids = itertools.count(1)


def _user(user_id: int, *, first_name: str = "Ada", username: str | None = "ada") -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "en",
    }
    if username:
        user["username"] = username
    return user


def _chat(chat_id: int, chat_type: str | None = None) -> dict[str, Any]:
    kind = chat_type or ("private" if chat_id > 0 else "supergroup")
    chat: dict[str, Any] = {"id": chat_id, "type": kind}
    if kind == "private":
        chat.update(first_name="Ada", username="ada")
    else:
        chat["title"] = "Support group"
    return chat


def message_json(
    chat_id: int,
    *,
    text: str | None = "hello",
    user_id: int | None = None,
    message_id: int | None = None,
    chat_type: str | None = None,
    date: int = 1_800_000_000,
    **extra: Any,
) -> dict[str, Any]:
    """A Message object as Telegram sends it (``extra`` adds or overrides fields)."""
    sender = user_id if user_id is not None else (chat_id if chat_id > 0 else 555)
    msg: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_ids),
        "from": _user(sender),
        "chat": _chat(chat_id, chat_type),
        "date": date,
    }
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    msg.update(extra)
    return msg


def message_update(update_id: int, chat_id: int, text: str = "hello", **kw: Any) -> dict[str, Any]:
    """A ``message`` update with text."""
    return {"update_id": update_id, "message": message_json(chat_id, text=text, **kw)}


def reply_update(
    update_id: int, chat_id: int, text: str, *, reply_to: int, replied_text: str = "..."
) -> dict[str, Any]:
    """A ``message`` update replying to the bot's message `reply_to` in `chat_id` (Telegram
    puts the replied message, without its own reply, in ``reply_to_message``)."""
    replied = {
        "message_id": reply_to,
        "from": BOT_USER,
        "chat": _chat(chat_id),
        "date": 1_800_000_000,
        "text": replied_text,
    }
    return message_update(update_id, chat_id, text, reply_to_message=replied)


def topic_update(
    update_id: int,
    chat_id: int,
    text: str,
    *,
    thread_id: int,
    topic_name: str,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A message written in the forum topic `thread_id` of the supergroup `chat_id`, replying
    to no message in particular: Telegram marks it ``is_topic_message`` and makes it a reply
    to the topic's first (service) message, which carries the topic's name."""
    root = {
        "message_id": thread_id,
        "from": BOT_USER,
        "chat": _chat(chat_id, "supergroup"),
        "date": 1_800_000_000,
        "message_thread_id": thread_id,
        "forum_topic_created": {"name": topic_name, "icon_color": 7322096},
        "is_topic_message": True,
    }
    return message_update(
        update_id, chat_id, text, chat_type="supergroup", message_thread_id=thread_id,
        is_topic_message=True, reply_to_message=root, message_id=message_id,
    )  # fmt: skip


def edited_message_update(
    update_id: int, chat_id: int, text: str = "hello, edited", **kw: Any
) -> dict[str, Any]:
    """An ``edited_message`` update."""
    msg = message_json(chat_id, text=text, **kw)
    msg["edit_date"] = msg["date"] + 30
    return {"update_id": update_id, "edited_message": msg}


def channel_post_update(
    update_id: int, chat_id: int = -1001000000001, text: str = "news"
) -> dict[str, Any]:
    """A ``channel_post`` update (a post in a channel where the bot is an admin)."""
    post = {
        "message_id": next(_ids),
        "sender_chat": {"id": chat_id, "title": "News", "type": "channel"},
        "chat": {"id": chat_id, "title": "News", "type": "channel"},
        "date": 1_800_000_000,
        "text": text,
    }
    return {"update_id": update_id, "channel_post": post}


def callback_query_update(
    update_id: int, chat_id: int, data: str = "plan:pro", *, user_id: int | None = None
) -> dict[str, Any]:
    """A ``callback_query`` update: the user tapped an inline button under a bot message."""
    sender = user_id if user_id is not None else (chat_id if chat_id > 0 else 555)
    origin = message_json(chat_id, text="Pick a plan")
    origin["from"] = dict(BOT_USER)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(4_000_000_000 + update_id),
            "from": _user(sender),
            "message": origin,
            "chat_instance": "-5732819473819",
            "data": data,
        },
    }


def my_chat_member_update(
    update_id: int,
    chat_id: int,
    *,
    old_status: str = "member",
    new_status: str = "kicked",
    user_id: int | None = None,
) -> dict[str, Any]:
    """A ``my_chat_member`` update (``kicked`` in a private chat: the user blocked the bot)."""
    sender = user_id if user_id is not None else (chat_id if chat_id > 0 else 555)
    new: dict[str, Any] = {"user": dict(BOT_USER), "status": new_status}
    if new_status == "kicked":
        new["until_date"] = 0
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": _chat(chat_id),
            "from": _user(sender),
            "date": 1_800_000_000,
            "old_chat_member": {"user": dict(BOT_USER), "status": old_status},
            "new_chat_member": new,
        },
    }


def photo_update(
    update_id: int,
    chat_id: int,
    caption: str | None = "what is this?",
    *,
    file_id: str | None = None,
    file_size: int | None = None,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> dict[str, Any]:
    """A ``message`` update carrying a photo (sizes smallest first) and an optional caption.

    `file_id` and `file_size` are the largest size's (the one a bot sends or downloads);
    `reply_to` makes it a reply to the bot's message of that id, `thread_id` puts it in a
    forum topic (with `reply_to` the topic's first message, as Telegram does).
    """
    sizes = [
        {"file_id": f"AgACAgIAAxk{n}", "file_unique_id": f"AQAD{n}", "width": w, "height": w}
        for n, w in ((1, 90), (2, 320), (3, 1280))
    ]
    if file_id is not None:
        sizes[-1]["file_id"] = file_id
    if file_size is not None:
        sizes[-1]["file_size"] = file_size
    msg = message_json(chat_id, text=None, photo=sizes)
    if caption is not None:
        msg["caption"] = caption
    if reply_to is not None:
        msg["reply_to_message"] = {
            "message_id": reply_to,
            "from": BOT_USER,
            "chat": _chat(chat_id),
            "date": 1_800_000_000,
            "text": "...",
        }
    if thread_id is not None:
        msg["message_thread_id"] = thread_id
        msg["is_topic_message"] = True
    return {"update_id": update_id, "message": msg}


def sticker_update(update_id: int, chat_id: int, emoji: str = "👍") -> dict[str, Any]:
    """A ``message`` update carrying a sticker."""
    sticker = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADuwADMNSdEQ",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }
    return {"update_id": update_id, "message": message_json(chat_id, text=None, sticker=sticker)}


def service_message_update(
    update_id: int, chat_id: int = -1001000000002, kind: str = "new_chat_members", **extra: Any
) -> dict[str, Any]:
    """A service message: ``new_chat_members``, ``left_chat_member``, ``migrate_to_chat_id``,
    ``pinned_message``, ``new_chat_title``..."""
    values: dict[str, Any] = {
        "new_chat_members": [_user(777, first_name="Bob", username="bob")],
        "left_chat_member": _user(777, first_name="Bob", username="bob"),
        "new_chat_title": "Renamed group",
        "pinned_message": message_json(chat_id, text="pinned"),
        "migrate_to_chat_id": -1009999999999,
        "group_chat_created": True,
    }
    msg = message_json(chat_id, text=None, chat_type="group" if chat_id > -(10**12) else None)
    msg[kind] = extra.pop("value", values.get(kind, True))
    msg.update(extra)
    return {"update_id": update_id, "message": msg}


def update_bytes(update: dict[str, Any]) -> bytes:
    """The body Telegram would POST for `update`."""
    return json.dumps(update, ensure_ascii=False).encode()
