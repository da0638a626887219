"""Personas: the system prompt each channel's bot speaks with, and the business facts it knows.

Shipped defaults make a fresh install sensible (Telegram answers as support, WhatsApp as
sales); an operator replaces them with a setting or a file. The business FAQ is appended so
every provider sees the same facts the offline answer uses, and so are the opening hours and
contact from the business file. The running orchestrator keeps the FAQ part current
(`Personas.with_faq` with `faq_text` of the database's entries, after every owner edit).
What a model does when it cannot answer (``{unknown}`` in a prompt) comes from
`HoldingReplies`: it promises a person only when a person is told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from onebox_router import StoredFaq

from .holding import HoldingReplies

DEFAULT_PERSONAS: dict[str, str] = {
    "telegram": (
        "You are the customer support assistant of {business}, answering on Telegram. "
        "Be friendly, brief and concrete. Answer from the business facts below; when you do "
        "not know something (prices, stock, personal orders), {unknown}. Never invent facts. "
        "Reply in the customer's language."
    ),
    "whatsapp": (
        "You are the sales assistant of {business}, answering on WhatsApp. Help customers "
        "choose, answer questions about products, prices and delivery from the business facts "
        "below, and suggest a next step (an order, a visit, a call). Be warm and brief; never "
        "invent prices or promises; when you cannot help, {unknown}. Reply in the customer's "
        "language."
    ),
}
GENERIC_PERSONA = (
    "You are the assistant of {business}. Be friendly, brief and concrete, and never invent "
    "facts. Reply in the customer's language."
)
FAQ_LIMIT = 8000
NO_PROMISE = HoldingReplies().persona_instruction()
"""The ``{unknown}`` instruction without a business file or an operator: no person promised."""

UNSUPPORTED_REPLY = (
    "Thanks for your message! I can only read text for now, so I could not open that {what}. "
    "Could you write your question in a message?"
)
HOLDING_REPLY = HoldingReplies().reply("")
"""The holding reply without a business file or an operator (English, no person promised)."""

_KIND_WORDS = {
    "image": "photo",
    "audio": "audio message",
    "voice": "voice message",
    "video": "video",
    "video_note": "video message",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contact": "contact card",
    "reaction": "reaction",
}


def faq_text(entries: Sequence[StoredFaq], *, limit: int = FAQ_LIMIT) -> tuple[str, int]:
    """The FAQ entries as the prompt shows them (``Q:``/``A:`` pairs) and how many were left out.

    The owner's entries come first, newest first (what was just taught is what the bot most
    likely lacks), then the file's in file order; whole entries are kept while the text stays
    within `limit` characters, so none is cut in the middle.
    """
    owner = sorted((e for e in entries if e.source == "owner"), key=lambda e: -e.id)
    ordered = [*owner, *(e for e in entries if e.source != "owner")]
    kept: list[str] = []
    size = 0
    for entry in ordered:
        block = f"Q: {entry.question}\nA: {entry.answer}"
        if size + len(block) + 2 * bool(kept) > limit:
            continue
        kept.append(block)
        size += len(block) + 2 * (len(kept) > 1)
    return "\n\n".join(kept), len(ordered) - len(kept)


def unsupported_reply(content_kind: str) -> str:
    """The polite fixed reply to content the bot cannot read (a photo, a voice note...)."""
    return UNSUPPORTED_REPLY.format(what=_KIND_WORDS.get(content_kind, "message"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Personas:
    """System prompts per channel, with the business facts and FAQ appended.

    Attributes:
        prompts: the prompt per channel; ``{business}`` and ``{unknown}`` are filled in.
        business: the business's name.
        faq: the FAQ text.
        unknown: what to do when the model cannot answer (`HoldingReplies.persona_instruction`).
        facts: opening hours and contact (`HoldingReplies.business_facts`).
    """

    prompts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PERSONAS))
    business: str = "our business"
    faq: str = ""
    unknown: str = NO_PROMISE
    facts: str = ""

    def system_prompt(self, channel: str, *, with_faq: bool = True) -> str:
        """The full system prompt for a conversation on `channel`.

        Without the FAQ (`with_faq` false) it is what the response cache is keyed on: an FAQ
        edit deletes only the cached answers it supersedes, not every one.
        """
        prompt = self.prompts.get(channel, GENERIC_PERSONA).replace("{business}", self.business)
        prompt = prompt.replace("{unknown}", self.unknown)
        faq = self.faq[:FAQ_LIMIT] if with_faq else ""
        facts = "\n".join(part for part in (self.facts, faq) if part)
        if facts:
            prompt = f"{prompt}\n\nBusiness facts:\n{facts}"
        return prompt

    def with_faq(self, faq: str) -> Personas:
        """The same personas with another FAQ text."""
        return replace(self, faq=faq)

    @classmethod
    def load(
        cls,
        *,
        business: str = "our business",
        prompts: Mapping[str, str | None] | None = None,
        files: Mapping[str, Path | None] | None = None,
        faq_file: Path | None = None,
        holding: HoldingReplies | None = None,
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
        holding = holding or HoldingReplies()
        return cls(
            prompts=merged,
            business=business,
            faq=faq,
            unknown=holding.persona_instruction(),
            facts=holding.business_facts(),
        )
