"""Personas: the system prompt each channel's bot speaks with, and the business facts it knows.

Shipped defaults make a fresh install sensible (Telegram answers as support, WhatsApp as
sales); an operator replaces them with a setting or a file. The business FAQ, when given, is
appended so every provider sees the same facts the offline answer uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PERSONAS: dict[str, str] = {
    "telegram": (
        "You are the customer support assistant of {business}, answering on Telegram. "
        "Be friendly, brief and concrete. Answer from the business facts below; when you do "
        "not know something (prices, stock, personal orders), say so and offer that a person "
        "will follow up. Never invent facts. Reply in the customer's language."
    ),
    "whatsapp": (
        "You are the sales assistant of {business}, answering on WhatsApp. Help customers "
        "choose, answer questions about products, prices and delivery from the business facts "
        "below, and suggest a next step (an order, a visit, a call). Be warm and brief; never "
        "invent prices or promises. Reply in the customer's language."
    ),
}
GENERIC_PERSONA = (
    "You are the assistant of {business}. Be friendly, brief and concrete, and never invent "
    "facts. Reply in the customer's language."
)
FAQ_LIMIT = 8000

UNSUPPORTED_REPLY = (
    "Thanks for your message! I can only read text for now, so I could not open that {what}. "
    "Could you write your question in a message?"
)
HOLDING_REPLY = (
    "Thanks for your message! I could not answer it right now; a person from our team will "
    "follow up soon."
)

_KIND_WORDS = {
    "image": "photo",
    "audio": "audio message",
    "voice": "voice message",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contact": "contact card",
    "reaction": "reaction",
}


def unsupported_reply(content_kind: str) -> str:
    """The polite fixed reply to content the bot cannot read (a photo, a voice note...)."""
    return UNSUPPORTED_REPLY.format(what=_KIND_WORDS.get(content_kind, "message"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Personas:
    """System prompts per channel, with the business FAQ appended."""

    prompts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PERSONAS))
    business: str = "our business"
    faq: str = ""

    def system_prompt(self, channel: str) -> str:
        """The full system prompt for a conversation on `channel`."""
        prompt = self.prompts.get(channel, GENERIC_PERSONA).replace("{business}", self.business)
        if self.faq:
            prompt = f"{prompt}\n\nBusiness facts:\n{self.faq[:FAQ_LIMIT]}"
        return prompt

    @classmethod
    def load(
        cls,
        *,
        business: str = "our business",
        prompts: Mapping[str, str | None] | None = None,
        files: Mapping[str, Path | None] | None = None,
        faq_file: Path | None = None,
    ) -> Personas:
        """Personas from explicit prompts, else files, else the shipped defaults.

        Raises:
            OSError: a named file cannot be read (the caller reports which setting named it).
        """
        merged = dict(DEFAULT_PERSONAS)
        for channel, path in (files or {}).items():
            if path is not None:
                merged[channel] = path.read_text(encoding="utf-8").strip()
        for channel, text in (prompts or {}).items():
            if text:
                merged[channel] = text.strip()
        faq = faq_file.read_text(encoding="utf-8").strip() if faq_file is not None else ""
        return cls(prompts=merged, business=business, faq=faq)
