"""Splitting a reply into parts the Cloud API accepts (4096 characters of text each).

Parts are cut at the last paragraph, line, sentence or word boundary that keeps them within
the limit, and never inside an emoji sequence joined with ZWJ or a variation
selector; a run with no boundary at all is cut hard.
"""

from __future__ import annotations

MAX_TEXT = 4096
_SEPARATORS = ("\n\n", "\n", ". ", " ")
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def split_text(text: str, *, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into non-empty parts of at most `limit` code points, in order.

    Whitespace at the cut is dropped; text that fits is returned as one part. Empty or blank
    text gives no parts.
    """
    if limit < 2:
        raise ValueError(f"limit must be at least 2, not {limit!r}")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_at(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def _cut_at(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in _SEPARATORS:
        index = window.rfind(separator)
        if index > limit // 4:
            return index + len(separator)
    cut = limit
    # Do not split a ZWJ sequence or an emoji from its variation selector.
    while cut > 1 and (text[cut] in _JOINERS or text[cut - 1] == "\u200d"):
        cut -= 1
    return cut
