"""`OpenAICompatProvider`: chat completions over the OpenAI wire format.

One adapter for Groq (``https://api.groq.com/openai/v1``), Ollama's ``/v1``, llama.cpp's
server, vLLM and OpenRouter: they differ only in base URL, key and model. The adapter POSTs
``{base}/chat/completions`` without streaming, maps errors to `ProviderError` kinds, reads the
``x-ratelimit-*`` headers every response carries, and never retries on its own. A server that
answers 503 (Ollama busy, llama.cpp still loading its model) counts as ``overloaded``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from ._http import HttpProvider, status_kind, try_again_in
from .errors import ErrorKind
from .provider import CompletionRequest
from .ratelimit import parse_retry_after, read_rate_limit_headers


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _ChatCompletion(BaseModel):
    model: str = ""
    choices: list[_Choice]
    usage: _Usage | None = None


class OpenAICompatProvider(HttpProvider):
    """A provider speaking OpenAI-compatible chat completions.

    Args:
        name: the provider's name (``groq``, ``local``, ``openrouter``).
        http: the client to use (never closed here).
        base_url: e.g. ``https://api.groq.com/openai/v1`` or ``http://127.0.0.1:11434/v1``.
        model: the model to ask for.
        api_key: bearer key; None for local servers that need none.
        connect_timeout_s / read_timeout_s: httpx timeouts (read is per chunk).
        clock: wall clock, for rate-limit reset timestamps.
    """

    answer_noun = "completion"

    def __init__(
        self,
        name: str,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        model: str,
        api_key: str | None = None,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            name, http=http, url=base_url.rstrip("/") + "/chat/completions", model=model,
            connect_timeout_s=connect_timeout_s, read_timeout_s=read_timeout_s, clock=clock,
        )  # fmt: skip
        self._api_key = api_key

    def _request(self, request: CompletionRequest) -> tuple[dict[str, Any], dict[str, str]]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": turn.role, "content": turn.text} for turn in request.turns]
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": False,
        }
        headers = {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        return body, headers

    def _parse(self, content: bytes) -> tuple[str, str | None, int, int]:
        try:
            parsed = _ChatCompletion.model_validate_json(content)
        except ValidationError:
            raise self._malformed("sent a malformed completion") from None
        text = parsed.choices[0].message.content if parsed.choices else None
        usage = parsed.usage or _Usage()
        return text or "", parsed.model, usage.prompt_tokens, usage.completion_tokens

    def _classify(
        self, response: httpx.Response, body: Any, message: str, *, now: float
    ) -> tuple[ErrorKind, float | None]:
        kind = status_kind(response.status_code)
        retry_after = parse_retry_after(response.headers, now=now)
        if kind == "rate_limited" and retry_after is None:
            limits = read_rate_limit_headers(response.headers, now=now)
            retry_after = try_again_in(message) or limits.reset_tokens_s or limits.reset_requests_s
        return kind, retry_after
