"""The parse-mode checks `FakeBotAPI` makes: what Telegram refuses as "can't parse entities"."""

from __future__ import annotations

import re

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_HTML_TAGS = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler)(\s[^>]*)?>")


def markdown_v2_error(text: str) -> str | None:
    """The 400 description for MarkdownV2 text with an unescaped reserved character, if any."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _MDV2_RESERVED and char not in "*_~`|":
            return (
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must be "
                "escaped with the preceding '\\'"
            )
    return None


def html_error(text: str) -> str | None:
    """The 400 description for HTML text with an unsupported tag or entity, if any."""
    pos = 0
    while True:
        at = text.find("<", pos)
        if at < 0:
            break
        match = _HTML_TAGS.match(text, at)
        if match is None:
            return f"Bad Request: can't parse entities: Unsupported start tag at byte offset {at}"
        pos = match.end()
    for match in re.finditer(r"&", text):
        if not re.match(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", text[match.start() :]):
            return "Bad Request: can't parse entities: Unsupported entity at byte offset " + str(
                match.start()
            )
    return None


def shown_text(text: str, parse_mode: object) -> tuple[str, str | None]:
    """(the text as the user sees it, why Telegram refuses it) for one parse mode."""
    if parse_mode == "MarkdownV2":
        problem = markdown_v2_error(text)
        return (text, problem) if problem else (re.sub(r"\\(.)", r"\1", text), None)
    if parse_mode == "HTML":
        problem = html_error(text)
        if problem:
            return text, problem
        shown = re.sub(r"<[^>]+>", "", text)
        return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), None
    return text, None
