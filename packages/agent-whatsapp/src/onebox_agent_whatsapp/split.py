"""WhatsApp's text limit: the Cloud API takes 4096 characters of text in one message.

Replies are split by the service kit's splitter (natural boundaries, emoji sequences kept
whole); this module binds it to WhatsApp's limit.
"""

from __future__ import annotations

from onebox_service import split_text as service_split_text

MAX_TEXT = 4096
"""Longest text of one message, in code points."""


def split_text(text: str, *, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into parts of at most `limit` code points (the kit's rules)."""
    return service_split_text(text, limit=limit)
