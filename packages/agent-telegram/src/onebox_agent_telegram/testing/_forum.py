"""Forum supergroups (topics on) as `FakeBotAPI` keeps them, checked like the Bot API.

A topic's id (``message_thread_id``) is the id of its ``forum_topic_created`` service message,
taken from the chat's message ids as Telegram does. A message sent with ``message_thread_id``
goes into that topic (an unknown topic: "message thread not found"; a chat without topics:
"message thread not found" too); a reply sent without it goes into the replied message's
topic; a reply naming another topic than its message's is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TOPIC_NAME_LIMIT = 128
ICON_COLOR = 7322096


@dataclass(slots=True)
class Forums:
    """Which chats are forums, their topics, and the topic of each message sent there."""

    topics: dict[str, dict[int, str]] = field(default_factory=dict)
    threads: dict[tuple[str, int], int] = field(default_factory=dict)

    def make(self, chat_id: str) -> None:
        """Turn topics on in `chat_id` (a supergroup)."""
        self.topics.setdefault(chat_id, {})

    def check_create(self, chat_id: str, name: object) -> str | None:
        """Why ``createForumTopic`` is refused, or None."""
        if chat_id not in self.topics:
            return "Bad Request: the chat is not a forum"
        if not isinstance(name, str) or not name.strip() or len(name) > TOPIC_NAME_LIMIT:
            return "Bad Request: TOPIC_TITLE_INVALID"
        return None

    def create(self, chat_id: str, name: str, thread_id: int) -> dict[str, Any]:
        """Record a new topic; the ForumTopic object."""
        self.topics[chat_id][thread_id] = name
        return {"message_thread_id": thread_id, "name": name, "icon_color": ICON_COLOR}

    def place(self, chat_id: str, params: dict[str, Any]) -> tuple[int | None, str | None]:
        """(the topic a new message goes into, why it is refused)."""
        raw = params.get("message_thread_id")
        thread = int(raw) if raw not in (None, "") else None
        reply = params.get("reply_parameters")
        if isinstance(reply, str):  # a form-encoded request carries it as JSON text
            reply = json.loads(reply) if reply.startswith("{") else None
        replied = reply.get("message_id") if isinstance(reply, dict) else None
        replied_thread = (
            self.threads.get((chat_id, int(replied))) if isinstance(replied, int | str) else None
        )
        if thread is not None and thread not in self.topics.get(chat_id, {}):
            return None, "Bad Request: message thread not found"
        if thread is not None and replied_thread is not None and replied_thread != thread:
            return None, "Bad Request: message to be replied not found"
        return (thread if thread is not None else replied_thread), None

    def record(self, chat_id: str, message_id: int, thread: int | None) -> dict[str, Any]:
        """Remember a sent message's topic; the fields its Message object gains."""
        if thread is None:
            return {}
        self.threads[(chat_id, message_id)] = thread
        return {"message_thread_id": thread, "is_topic_message": True}
