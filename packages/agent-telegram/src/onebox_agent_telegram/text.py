"""Text rules of the Bot API: splitting to the 4096-character limit, escaping for parse modes.

Telegram counts the limit in code points after entity parsing, so plain text is split first
(on paragraph, then line, then sentence, then word boundaries, never inside a joined emoji
or before a combining mark) and each part is escaped afterwards: escaping never makes a
part longer once parsed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

MAX_TEXT = 4096
"""Longest text of one message, in code points after entity parsing."""

ParseMode = Literal["MarkdownV2", "HTML"]

_MARKDOWN_V2_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"')\]]*(?=\s)")


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


def _safe_cut(text: str, cut: int) -> int:
    """Move a hard cut left until it does not split a grapheme-like cluster."""
    while cut > 1:
        nxt, prev = text[cut], text[cut - 1]
        if (
            prev == "\u200d"
            or nxt == "\u200d"
            or unicodedata.combining(nxt)
            or 0xFE00 <= ord(nxt) <= 0xFE0F
            or 0x1F3FB <= ord(nxt) <= 0x1F3FF
            or 0xE0020 <= ord(nxt) <= 0xE007F
        ):
            cut -= 1
            continue
        return cut
    return cut


def _find_cut(text: str, limit: int) -> int:
    """Where the first part of `text` (longer than `limit`) should end: its length."""
    floor = limit // 4  # a boundary earlier than this would make a uselessly short part
    for separator in ("\n\n", "\n"):
        at = text.rfind(separator, floor, limit + len(separator))
        if at >= floor:
            return at
    best = -1
    for match in _SENTENCE_END.finditer(text, floor, limit + 1):
        if match.end() <= limit:
            best = match.end()
    if best > 0:
        return best
    for at in range(limit, floor - 1, -1):
        if text[at].isspace():
            return at
    return _safe_cut(text, limit)


def split_text(text: str, *, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into parts of at most `limit` code points, at the most natural boundaries.

    Boundaries are tried in order: blank line, line break, sentence end, space, and only then
    a hard cut (never inside a joined emoji or before a combining mark). Whitespace at a
    boundary is dropped and blank parts are never produced.
    """
    if limit < 8:
        raise ValueError(f"limit must be at least 8, not {limit!r}")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _find_cut(rest, limit)
        part = rest[:cut].rstrip()
        if part:
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
