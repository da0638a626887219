"""The `Provider` protocol every model adapter satisfies, and the request it receives.

Adapters (`OpenAICompatProvider`, `AnthropicProvider`, `OfflineProvider`, the tests'
`FunctionProvider`) satisfy it structurally. `complete` either returns a `Completion` or raises a
`ProviderError` whose `kind` the router acts on; it never retries on its own (the router holds
the only retry loop) and never sleeps on a retry-after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .conversation import Completion, Conversation, Turn

#: What a support answer usually takes; quotas count this before the usage is known.
TYPICAL_ANSWER_TOKENS = 150


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletionRequest:
    """What to ask a model: the system prompt, the turns (last one the user's), limits."""

    system: str
    turns: tuple[Turn, ...]
    max_tokens: int = 512
    temperature: float = 0.3

    @classmethod
    def from_conversation(
        cls, conversation: Conversation, *, max_tokens: int = 512, temperature: float = 0.3
    ) -> CompletionRequest:
        """The request for answering `conversation`."""
        return cls(
            system=conversation.system,
            turns=tuple(conversation.turns),
            max_tokens=max_tokens,
            temperature=temperature,
        )

    def prompt_tokens(self) -> int:
        """A cheap estimate of the prompt's tokens (4 characters a token, plus framing)."""
        chars = len(self.system) + sum(len(turn.text) for turn in self.turns)
        return chars // 4 + 8 * (len(self.turns) + 1)

    def estimate_tokens(self) -> int:
        """The tokens a call is expected to use, for per-minute quotas: the prompt plus a
        typical answer (at most `max_tokens`); the usage reported afterwards corrects it."""
        return self.prompt_tokens() + min(self.max_tokens, TYPICAL_ANSWER_TOKENS)


class Provider(Protocol):
    """A model that answers a `CompletionRequest`."""

    @property
    def name(self) -> str:
        """The provider's name in chains, logs and the calls table (``groq``, ``claude``)."""
        ...

    @property
    def model(self) -> str:
        """The model asked for."""
        ...

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer `request`, or raise `ProviderError`."""
        ...
