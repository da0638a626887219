"""`FunctionProvider`, and builders of conversations and provider configs for tests."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from onebox_router.conversation import Completion, Conversation, Role, Turn
from onebox_router.errors import ProviderError
from onebox_router.policy import ProviderConfig, ProviderKind
from onebox_router.prices import FREE, Price
from onebox_router.provider import CompletionRequest

from ._server import estimate_tokens

FunctionResult = str | Completion


class FunctionProvider:
    """A `Provider` that runs `fn(request)` (sync or async) and records each request.

    `fn` returns the answer text or a `Completion`, or raises `ProviderError` to fail.
    """

    def __init__(
        self,
        fn: Callable[[CompletionRequest], FunctionResult | Awaitable[FunctionResult]],
        *,
        name: str = "function",
        model: str = "function-model",
    ) -> None:
        self.name = name
        self.model = model
        self.requests: list[CompletionRequest] = []
        self._fn = fn

    async def complete(self, request: CompletionRequest) -> Completion:
        """Run the function; a text becomes a `Completion` with estimated usage."""
        self.requests.append(request)
        result = self._fn(request)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Completion):
            return result
        if not isinstance(result, str):
            raise ProviderError(
                f"{self.name!r} returned {type(result).__name__}", provider=self.name,
                kind="malformed",
            )  # fmt: skip
        texts = [turn.text for turn in request.turns] + [request.system]
        return Completion(
            text=result,
            model=self.model,
            input_tokens=sum(estimate_tokens(text) for text in texts),
            output_tokens=estimate_tokens(result),
        )


def conversation(
    text: str,
    *history: tuple[Role, str],
    system: str = "You are the assistant of Casa Verde, a plant shop. Answer briefly.",
    correlation_id: str = "corr-test",
) -> Conversation:
    """A conversation whose new message is `text`, after `history` ((role, text) pairs)."""
    turns = [Turn(role=role, text=said) for role, said in history]
    return Conversation(
        system=system,
        turns=[*turns, Turn(role="user", text=text)],
        channel="telegram",
        conversation_id="42",
        correlation_id=correlation_id,
    )


def provider_config(
    name: str,
    *,
    kind: ProviderKind = "openai",
    base_url: str = "",
    model: str = "test-model",
    api_key: str | None = None,
    timeout_s: float = 5.0,
    price: Price = FREE,
    monthly_budget_usd: float | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
) -> ProviderConfig:
    """A `ProviderConfig` for tests, with no limits and a zero price unless given."""
    return ProviderConfig(
        name=name, kind=kind, base_url=base_url, model=model, api_key=api_key,
        timeout_s=timeout_s, connect_timeout_s=1.0, rpm=rpm, tpm=tpm, price=price,
        monthly_budget_usd=monthly_budget_usd, max_tokens=128, temperature=0.3,
    )  # fmt: skip
