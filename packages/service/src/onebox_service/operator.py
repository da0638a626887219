"""The operator chat's id (``ONEBOX_OPERATOR_CHAT_ID``): a Telegram chat where a person works.

A Telegram chat id is a non-zero integer: a private chat's id is the user's (positive), a
group's is negative and a supergroup's starts with ``-100``. ``@channelname`` usernames are
not accepted: a bot can only be sure of a chat by its number. The type validates at the
settings edge, so a wrong value stops the service at start with one line naming the variable.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_CHAT_ID = re.compile(r"-?[1-9][0-9]{0,18}")


def parse_telegram_chat_id(value: object) -> int:
    """`value` as a Telegram chat id.

    Raises:
        ValueError: it is not a non-zero integer (negative for groups).
    """
    if isinstance(value, int) and not isinstance(value, bool) and value != 0:
        return value
    if isinstance(value, str) and _CHAT_ID.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError("must be a Telegram chat id: a non-zero integer, negative for groups")


TelegramChatId = Annotated[int, BeforeValidator(parse_telegram_chat_id)]
"""A settings field type that accepts only a Telegram chat id."""
