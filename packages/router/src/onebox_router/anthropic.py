"""`AnthropicProvider`: the Anthropic Messages API (``POST {base}/v1/messages``).

Sends ``x-api-key``, ``anthropic-version`` and ``max_tokens`` (all required), the system prompt
as the top-level ``system`` and only ``user``/``assistant`` turns, merged so that they alternate
and start with ``user``. Error mapping follows the API's table: 429 with ``retry-after`` is
``rate_limited``; 429 without it (or with ``enforced_spend_limit_reached``) and 402 are
``spend_limit`` (no call until the period ends); 529 is ``overloaded``; 401/403 ``auth``; other
4xx ``bad_request``; 5xx ``server_error``. A ``refusal`` stop reason falls through to the next
provider as ``bad_request``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from ._http import HttpProvider, status_kind
from .errors import ErrorKind, ProviderError
from .provider import CompletionRequest
from .ratelimit import parse_retry_after

ANTHROPIC_VERSION = "2023-06-01"


class _Block(BaseModel):
    type: str
    text: str | None = None


class _Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class _Message(BaseModel):
    model: str = ""
    content: list[_Block]
    stop_reason: str | None = None
    usage: _Usage | None = None


def alternate(turns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Turns merged so roles alternate and the first is ``user`` (the API's rule)."""
    merged: list[dict[str, Any]] = []
    for role, text in turns:
        if not merged and role != "user":
            continue
        if merged and merged[-1]["role"] == role:
            merged[-1]["content"] += "\n\n" + text
        else:
            merged.append({"role": role, "content": text})
    return merged


class AnthropicProvider(HttpProvider):
    """A provider speaking the Anthropic Messages API.

    Args:
        name: the provider's name (``claude``).
        http: the client to use (never closed here).
        api_key: the ``x-api-key``.
        model: e.g. ``claude-sonnet-4-5``.
        base_url: default ``https://api.anthropic.com``.
        connect_timeout_s / read_timeout_s: httpx timeouts (read is per chunk).
        clock: wall clock, for rate-limit reset timestamps.
    """

    answer_noun = "message"

    def __init__(
        self,
        name: str,
        *,
        http: httpx.AsyncClient,
        api_key: str,
        model: str,
        base_url: str = "https://api.anthropic.com",
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            name, http=http, url=base_url.rstrip("/") + "/v1/messages", model=model,
            connect_timeout_s=connect_timeout_s, read_timeout_s=read_timeout_s, clock=clock,
        )  # fmt: skip
        self._api_key = api_key

    def _request(self, request: CompletionRequest) -> tuple[dict[str, Any], dict[str, str]]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "temperature": min(max(request.temperature, 0.0), 1.0),
            "messages": alternate([(turn.role, turn.text) for turn in request.turns]),
        }
        if request.system:
            body["system"] = request.system
        return body, {"x-api-key": self._api_key, "anthropic-version": ANTHROPIC_VERSION}

    def _parse(self, content: bytes) -> tuple[str, str | None, int, int]:
        try:
            parsed = _Message.model_validate_json(content)
        except ValidationError:
            raise self._malformed("sent a malformed message") from None
        if parsed.stop_reason == "refusal":
            raise ProviderError(
                f"{self.name!r} refused to answer", provider=self.name, kind="bad_request"
            )
        text = "".join(block.text or "" for block in parsed.content if block.type == "text")
        usage = parsed.usage or _Usage()
        return text, parsed.model, usage.input_tokens, usage.output_tokens

    def _classify(
        self, response: httpx.Response, body: Any, message: str, *, now: float
    ) -> tuple[ErrorKind, float | None]:
        status = response.status_code
        retry_after = parse_retry_after(response.headers, now=now)
        kind = status_kind(status)
        details = body.get("error", {}).get("details") if isinstance(body, dict) else None
        code = details.get("error_code") if isinstance(details, dict) else None
        if (status == 429 and (retry_after is None or code == "enforced_spend_limit_reached")) or (
            status == 400 and "spend limit" in message.lower()
        ):
            kind = "spend_limit"
        return kind, retry_after
