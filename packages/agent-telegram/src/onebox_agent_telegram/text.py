"""Text rules of the Bot API: the 4096-character limit, escaping for parse modes.

Telegram counts the limit in code points after entity parsing, so plain text is split first
(by the service kit's splitter, at natural boundaries) and each part is escaped afterwards:
escaping never makes a part longer once parsed.
"""

from __future__ import annotations

import re
from typing import Literal

from onebox_service import split_caption as service_split_caption
from onebox_service import split_text as service_split_text

MAX_TEXT = 4096
"""Longest text of one message, in code points after entity parsing."""
MAX_CAPTION = 1024
"""Longest caption of a photo, in code points after entity parsing (``sendPhoto``)."""

ParseMode = Literal["MarkdownV2", "HTML"]

_MARKDOWN_V2_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")


def escape_markdown_v2(text: str) -> str:
    """Escape `text` so MarkdownV2 shows it literally (every reserved character gets a ``\\``)."""
    return _MARKDOWN_V2_SPECIAL.sub(r"\\\1", text)


def escape_html(text: str) -> str:
    """Escape `text` for the HTML parse mode (only ``<``, ``>`` and ``&`` are special)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_text(text: str, parse_mode: ParseMode | None) -> str:
    """`text` escaped for `parse_mode` (unchanged for plain text)."""
    if parse_mode == "MarkdownV2":
        return escape_markdown_v2(text)
    if parse_mode == "HTML":
        return escape_html(text)
    return text


def split_text(text: str, *, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into parts of at most `limit` code points (the kit's rules)."""
    return service_split_text(text, limit=limit)


def split_caption(text: str, *, limit: int = MAX_TEXT) -> list[str]:
    """A photo's caption (at most `MAX_CAPTION`) and the text parts that follow it."""
    return service_split_caption(text, caption_limit=min(MAX_CAPTION, limit), limit=limit)
