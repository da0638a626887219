"""How `FakeBotAPI` answers a send (``sendMessage``, ``sendPhoto``): the chat's state, flood
limits, and the Message it creates.

A send is refused like Telegram refuses it: a blocked user (403), an unknown chat or a group
that became a supergroup (400, the latter with ``migrate_to_chat_id``), too many messages to
one chat or from the bot in a second (429, when the fake enforces limits), a forum topic that
does not exist, text over 4096 or a caption over 1024 characters once parsed, a photo whose
``file_id`` the bot does not have. An accepted send gets the chat's next ``message_id`` and a
Message object.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from ._markup import shown_text
from ._wire import BOT_USER, BotState, FloodLimits, error

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
#: The methods that create a message (and count toward the flood limits).
SENDS = ("sendMessage", "sendPhoto")


def chat_check(state: BotState, chat_id: str) -> Any:
    """The error for a chat the bot cannot write to, or None."""
    if chat_id in state.blocked:
        return error(403, "Forbidden: bot was blocked by the user")
    if chat_id in state.unknown:
        return error(400, "Bad Request: chat not found")
    if chat_id in state.migrated:
        return error(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": state.migrated[chat_id]},
        )
    return None


def flood_check(state: BotState, chat_id: str, arrived: float, limits: FloodLimits | None) -> Any:
    """429 when this send would break the flood limits (None: within them, or not enforced)."""
    if limits is None:
        return None
    with state.lock:
        sends = [r for r in state.requests if r.method in SENDS and r.status == 200]
    same_chat = [r.at for r in sends if str(r.params.get("chat_id")) == chat_id]
    if same_chat and arrived - same_chat[-1] < limits.per_chat_interval:
        return error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    last_second = [r for r in sends if arrived - r.at < 1.0]
    if len(last_second) >= limits.global_per_second:
        return error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    return None


def send_message(
    state: BotState, params: dict[str, Any], arrived: float, limits: FloodLimits | None
) -> Any:
    """The answer to ``sendMessage``."""
    chat = params.get("chat_id")
    if chat is None or chat == "":
        return error(400, "Bad Request: chat_id is empty")
    chat_id = str(chat)
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        return error(400, "Bad Request: message text is empty")
    parse_mode = params.get("parse_mode")
    if parse_mode not in (None, "", "MarkdownV2", "HTML", "Markdown"):
        return error(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    shown, problem = shown_text(text, parse_mode)
    if problem:
        return error(400, problem)
    if len(shown) > TEXT_LIMIT:
        return error(400, "Bad Request: message is too long")
    refused = chat_check(state, chat_id) or flood_check(state, chat_id, arrived, limits)
    if refused is not None:
        return refused
    return place_message(state, chat_id, params, {"text": shown})


def send_photo(
    state: BotState, params: dict[str, Any], arrived: float, limits: FloodLimits | None
) -> Any:
    """The answer to ``sendPhoto`` by ``file_id`` (a file the fake serves: `add_file`).

    A URL or an unknown ``file_id`` gets Telegram's "wrong file identifier" (the fake fetches
    no URLs); uploads (multipart) are not modelled.
    """
    chat = params.get("chat_id")
    if chat is None or chat == "":
        return error(400, "Bad Request: chat_id is empty")
    chat_id = str(chat)
    photo = params.get("photo")
    if not isinstance(photo, str) or not photo:
        return error(400, "Bad Request: there is no photo in the request")
    with state.lock:
        found = state.files.get(photo)
    if found is None:
        return error(400, "Bad Request: wrong file identifier/HTTP URL specified")
    caption = params.get("caption")
    if caption is not None and not isinstance(caption, str):
        return error(400, "Bad Request: wrong parameter caption")
    parse_mode = params.get("parse_mode")
    if parse_mode not in (None, "", "MarkdownV2", "HTML", "Markdown"):
        return error(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    shown, problem = shown_text(caption or "", parse_mode)
    if problem:
        return error(400, problem)
    if len(shown) > CAPTION_LIMIT:
        return error(400, "Bad Request: message caption is too long")
    refused = chat_check(state, chat_id) or flood_check(state, chat_id, arrived, limits)
    if refused is not None:
        return refused
    size = {
        "file_id": found.file_id,
        "file_unique_id": "AQAD" + found.file_id[-8:],
        "width": 1280,
        "height": 960,
        "file_size": len(found.data),
    }
    content: dict[str, Any] = {"photo": [size]}
    if shown.strip():
        content["caption"] = shown
    return place_message(state, chat_id, params, content)


def place_message(
    state: BotState, chat_id: str, params: dict[str, Any], content: dict[str, Any]
) -> Any:
    """Give an accepted send the chat's next message id (in its topic); the answer."""
    with state.lock:
        thread, wrong = state.forums.place(chat_id, params)
        if wrong is not None:
            return error(400, wrong)
        counter = state.message_ids.setdefault(chat_id, itertools.count(1))
        message_id = next(counter)
        in_topic = state.forums.record(chat_id, message_id, thread)
    result = {
        "message_id": message_id,
        "from": BOT_USER,
        "chat": chat_object(chat_id),
        "date": int(time.time()),
        **content,
        **in_topic,
    }
    return 200, {"ok": True, "result": result}


def chat_object(chat_id: str) -> dict[str, Any]:
    """The Chat object of a message sent to `chat_id` (private, group or supergroup)."""
    numeric = int(chat_id) if re.fullmatch(r"-?\d+", chat_id) else 0
    chat_obj: dict[str, Any] = {"id": numeric}
    if numeric > 0:
        chat_obj.update(type="private", first_name="Customer")
    else:
        chat_obj.update(type="supergroup" if chat_id.startswith("-100") else "group")
        chat_obj["title"] = "Group"
    return chat_obj
