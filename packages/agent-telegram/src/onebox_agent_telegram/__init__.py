"""onebox-agent-telegram: the Telegram support agent (webhook ingest, Bot API client, sender)."""

from .api import DEFAULT_ALLOWED_UPDATES, TelegramBotAPI, map_error
from .channel import TELEGRAM_LIMITS, TelegramChannel, chat_group, reply_group
from .chats import ChatState, ChatStore
from .errors import (
    ConfigError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityParseError,
    TelegramError,
    TelegramForbidden,
    TelegramMigrated,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorized,
)
from .text import MAX_TEXT, escape_html, escape_markdown_v2, format_text, split_text
from .updates import ParsedUpdate, UpdateError, decode_update, parse_update

__all__ = [
    "DEFAULT_ALLOWED_UPDATES",
    "MAX_TEXT",
    "TELEGRAM_LIMITS",
    "ChatState",
    "ChatStore",
    "ConfigError",
    "ParsedUpdate",
    "TelegramAPIError",
    "TelegramBadRequest",
    "TelegramBotAPI",
    "TelegramChannel",
    "TelegramEntityParseError",
    "TelegramError",
    "TelegramForbidden",
    "TelegramMigrated",
    "TelegramNetworkError",
    "TelegramRetryAfter",
    "TelegramServerError",
    "TelegramUnauthorized",
    "UpdateError",
    "chat_group",
    "decode_update",
    "escape_html",
    "escape_markdown_v2",
    "format_text",
    "map_error",
    "parse_update",
    "reply_group",
    "split_text",
]
