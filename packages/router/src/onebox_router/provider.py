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

    def estimate_tokens(self) -> int:
        """A cheap upper estimate of the tokens a call will use (4 characters a token)."""
        chars = len(self.system) + sum(len(turn.text) for turn in self.turns)
        return chars // 4 + 8 * (len(self.turns) + 1) + self.max_tokens


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
