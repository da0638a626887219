"""Splitting a reply into the parts a channel accepts: one splitter, each channel its limit.

Telegram and WhatsApp both count their limit (4096 each today) in code points, so one set of
rules serves both and a channel only says how long a part may be. Parts are cut at the most
natural boundary that keeps them within the limit: a blank line, then a line break, then a
sentence end, then any whitespace, and only when a run has none of those, a hard cut that
never separates a joined emoji sequence, a variation selector, a skin-tone modifier, a tag
sequence or a combining mark from the character before it. A boundary in the first quarter
of the limit is not taken: it would make a uselessly short part. Whitespace at a boundary is
dropped, blank parts are never produced, and nothing else is lost.
"""

from __future__ import annotations

import re
import unicodedata

MIN_LIMIT = 8
"""The shortest limit `split_text` accepts: below it a hard cut could not keep clusters whole."""

_SENTENCE_END = re.compile(r"[.!?…。！？][\"')\]]*(?=\s)")
_SEPARATORS = ("\n\n", "\n")


def split_text(text: str, *, limit: int) -> list[str]:
    """Split `text` into non-empty parts of at most `limit` code points, in order.

    Text that fits (once stripped) is one part; blank text gives no parts.

    Raises:
        ValueError: `limit` is below `MIN_LIMIT`.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, not {limit!r}")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _find_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def split_caption(text: str, *, caption_limit: int, limit: int) -> list[str]:
    """Split a media message's text: a caption of at most `caption_limit`, then text parts.

    The first part is the caption (at the most natural boundary within `caption_limit`, by
    the rules of `split_text`); whatever does not fit follows in parts of at most `limit`.
    Blank text gives no parts (the media goes without a caption).

    Raises:
        ValueError: a limit is below `MIN_LIMIT`.
    """
    if caption_limit < MIN_LIMIT:
        raise ValueError(f"caption_limit must be at least {MIN_LIMIT}, not {caption_limit!r}")
    rest = text.strip()
    if len(rest) <= caption_limit:
        return [rest] if rest else []
    cut = _find_cut(rest, caption_limit)
    # `rest` starts with a non-space and every cut is past its first character: a caption.
    head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
    return [head, *split_text(rest, limit=limit)]


def _find_cut(text: str, limit: int) -> int:
    """Where the first part of `text` (longer than `limit`) ends: its length."""
    floor = limit // 4
    for separator in _SEPARATORS:
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


def _joins_previous(char: str) -> bool:
    """Whether `char` belongs to the cluster of the character before it."""
    code = ord(char)
    return (
        char == "\u200d"  # zero-width joiner
        or unicodedata.combining(char) != 0
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
    )


def _safe_cut(text: str, cut: int) -> int:
    """Move a hard cut left until it does not split a grapheme-like cluster (never below 1)."""
    while cut > 1 and (text[cut - 1] == "\u200d" or _joins_previous(text[cut])):
        cut -= 1
    return cut
