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

import httpx
from pydantic import BaseModel, ValidationError

from ._http import error_message, json_body, post_json, status_kind, try_again_in
from .conversation import Completion
from .errors import ProviderError
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


class OpenAICompatProvider:
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
        self.name = name
        self.model = model
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._clock = clock

    async def complete(self, request: CompletionRequest) -> Completion:
        """POST the chat completion; see the module docstring for error kinds."""
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
        response, latency = await post_json(
            self._http, self._url, provider=self.name, headers=headers, body=body,
            limits=self._timeout,
        )  # fmt: skip
        now = self._clock()
        limits = read_rate_limit_headers(response.headers, now=now)
        if response.status_code != 200:
            raise self._error(response, now=now)
        try:
            parsed = _ChatCompletion.model_validate_json(response.content)
        except ValidationError:
            raise ProviderError(
                f"{self.name!r} sent a malformed completion", provider=self.name, kind="malformed"
            ) from None
        text = parsed.choices[0].message.content if parsed.choices else None
        if not text or not text.strip():
            raise ProviderError(
                f"{self.name!r} sent an empty completion", provider=self.name, kind="malformed"
            )
        usage = parsed.usage or _Usage()
        return Completion(
            text=text.strip(),
            model=parsed.model or self.model,
            input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
            latency_s=latency,
            rate_limits=limits,
        )

    def _error(self, response: httpx.Response, *, now: float) -> ProviderError:
        status = response.status_code
        message = error_message(json_body(response))
        kind = status_kind(status)
        retry_after = parse_retry_after(response.headers, now=now)
        if kind == "rate_limited" and retry_after is None:
            limits = read_rate_limit_headers(response.headers, now=now)
            retry_after = try_again_in(message) or limits.reset_tokens_s or limits.reset_requests_s
        return ProviderError(
            f"{self.name!r} answered {status}: {message or response.reason_phrase}",
            provider=self.name,
            kind=kind,
            status_code=status,
            retry_after=retry_after,
        )
