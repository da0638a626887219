"""The values the router takes and gives: a conversation in, a reply out.

`Conversation` is what the orchestrator hands over (system prompt, turns, where it came from);
`Reply` is what it gets back, with the provider that answered, the model, the tokens and what it
cost. `Completion` is one provider's answer before the router adds routing facts to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .ratelimit import RateLimitHeaders

Role = Literal["user", "assistant"]
MessageClass = Literal["simple", "complex"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One message: the customer's (``user``) or the business's (``assistant``)."""

    role: Role
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """A conversation to answer: the last turn is the customer's new message.

    Attributes:
        system: the persona / system prompt of the business's assistant.
        turns: the history, oldest first; the last one must be a ``user`` turn.
        channel: where the conversation happens (``telegram``, ``whatsapp``...).
        conversation_id: the channel's conversation id.
        correlation_id: the id that follows the message from webhook to reply.
        cache_scope: what the cache namespace is keyed on instead of `system`: the prompt
            without the FAQ, whose edits delete only the cached answers they supersede
            (`onebox_router.faqstore`) instead of emptying the whole cache.
        language: the language the customer spoke (a code), when a transcription provider
            reported it; None for typed text, whose language the offline answer recognises.
    """

    system: str
    turns: list[Turn] = field(default_factory=list)
    channel: str = ""
    conversation_id: str = ""
    correlation_id: str = ""
    cache_scope: str | None = None
    language: str | None = None

    @property
    def question(self) -> str:
        """The customer's new message (the last turn's text)."""
        return self.turns[-1].text if self.turns else ""

    @property
    def history(self) -> list[Turn]:
        """Every turn before the new message."""
        return self.turns[:-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """One provider's answer: text, the model that wrote it and the usage it reported."""

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    rate_limits: RateLimitHeaders | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """The router's answer to a conversation.

    Attributes:
        text: what to send to the customer.
        provider: ``groq``, ``claude``, ``local``, ``offline``, ``cache`` (or a custom name).
        model: the model that wrote the text (for a cache hit: the model that wrote it first).
        cached: True when the text came from the response cache.
        classification: ``simple`` or ``complex``.
        reason: why, for the trace (``complex 0.8 = reasoning 0.3 + sensitive 0.5``).
        latency_s: time spent in `Router.route`, in seconds.
        input_tokens / output_tokens: usage billed for this reply (0 for cache and offline).
        cost_usd: what this reply cost.
    """

    text: str
    provider: str
    model: str
    cached: bool
    classification: MessageClass
    latency_s: float
    reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
