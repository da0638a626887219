"""What the owner's pages share: the navigation header, times, origin labels, query checks.

Every page is a whole document from `page._document` (our stylesheet only; a page that needs
a script names ours). Everything inserted is escaped by the caller's `escape` or here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from .page import _document, when

PAGES = {"/": "Overview", "/conversations": "Conversations", "/unanswered": "Unanswered"}
ORIGINS = {
    "customer": "customer",
    "relayed": "customer, relayed to a person",
    "cache": "from the cache",
    "model": "written by a model",
    "faq": "from the FAQ",
    "greeting": "greeting",
    "fallback": "offline fallback: no FAQ answer",
    "holding": "holding reply: the bot failed",
    "handoff": "handed to a person",
    "fixed": "fixed reply",
    "operator": "a person",
}
_CHANNEL = re.compile(r"[a-z0-9_-]{1,32}")
MAX_QUERY = 200


class BadQuery(ValueError):
    """A query parameter the owner's pages cannot take (answered with 400 and this text)."""


def document(title: str, current: str, body: str, *, csrf: str | None = None) -> str:
    """A whole page: the navigation (with `current` marked) above `body`."""
    links = "".join(
        f'<a href="{escape(path)}"{" aria-current=page" if path == current else ""}>'
        f"{escape(label)}</a>"
        for path, label in PAGES.items()
    )
    header = f'<header><h1>onebox</h1><nav class="tabs">{links}</nav></header>'
    return _document(f"onebox: {title}", header + body, csrf=csrf)


def origin_label(origin: str | None, provider: str | None, model: str | None) -> str:
    """How a turn was made, in words (a model's reply names its provider and model)."""
    if origin == "model":
        made = " / ".join(x for x in (provider, model) if x)
        return f"{ORIGINS['model']} ({made})" if made else ORIGINS["model"]
    if origin is None:
        return f"reply ({provider})" if provider else "reply"
    return ORIGINS.get(origin, origin)


def stamp(t: float) -> str:
    """A ``<time>`` element for unix seconds."""
    return f'<time datetime="{int(t)}">{escape(when(t))}</time>'


def number(params: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name!r} must be a whole number, got {raw[:20]!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name!r} must be between {low} and {high}, got {value}")
    return value


def channel(params: Mapping[str, str]) -> str | None:
    """The ``channel`` filter (a channel name), or None for all."""
    raw = params.get("channel") or None
    if raw is not None and not _CHANNEL.fullmatch(raw):
        raise BadQuery("'channel' must be a channel name such as 'telegram' or 'whatsapp'")
    return raw


def text_query(params: Mapping[str, str]) -> str | None:
    """The ``q`` text search, or None."""
    raw = (params.get("q") or "").strip()
    if len(raw) > MAX_QUERY:
        raise BadQuery(f"'q' may be at most {MAX_QUERY} characters")
    return raw or None
