"""Test helpers other packages may reuse: a fake Bot API server and builders of real updates.

`FakeBotAPI` is a real HTTP server on 127.0.0.1 (a free port) that answers like
``api.telegram.org``: ``/bot<token>/<method>`` with JSON or form bodies, ``sendMessage``,
``sendChatAction``, ``answerCallbackQuery``, ``setWebhook``, ``deleteWebhook`` and
``getWebhookInfo``, with the real request checks and response shapes. Errors are scriptable
(429 with ``parameters.retry_after``, 403 blocked, 400 chat not found / can't parse entities /
``migrate_to_chat_id``), answers can be slowed down, and every request is recorded with its
arrival time (``time.monotonic()``). It runs in threads, so sync tests, async tests and
tests driving the agent in another process can all use it::

    with FakeBotAPI() as api:
        api.block(42)
        ... point ONEBOX_TELEGRAM_API_URL at api.url, use api.token ...
        assert api.sent_texts(7) == ["hello"]
"""

from __future__ import annotations

from .bot_api import (
    BOT_USER,
    DEFAULT_TOKEN,
    FakeBotAPI,
    RecordedRequest,
    fetch_requests,
)
from .running import free_port, serving, until, wait_until
from .updates import (
    callback_query_update,
    channel_post_update,
    edited_message_update,
    message_json,
    message_update,
    my_chat_member_update,
    photo_update,
    reply_update,
    service_message_update,
    sticker_update,
    topic_update,
    update_bytes,
)

__all__ = [
    "BOT_USER",
    "DEFAULT_TOKEN",
    "FakeBotAPI",
    "RecordedRequest",
    "callback_query_update",
    "channel_post_update",
    "edited_message_update",
    "fetch_requests",
    "free_port",
    "message_json",
    "message_update",
    "my_chat_member_update",
    "photo_update",
    "reply_update",
    "service_message_update",
    "serving",
    "sticker_update",
    "topic_update",
    "until",
    "update_bytes",
    "wait_until",
]
