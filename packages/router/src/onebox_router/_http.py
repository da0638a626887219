"""What the HTTP adapters share: one POST with errors translated to `ProviderError` once, and
`HttpProvider`, the request -> answer -> `Completion` round each adapter fills in."""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from .conversation import Completion
from .errors import ErrorKind, ProviderError
from .provider import CompletionRequest
from .ratelimit import parse_duration, read_rate_limit_headers

_TRY_AGAIN = re.compile(r"try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.I)


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    provider: str,
    headers: dict[str, str],
    body: dict[str, Any],
    limits: httpx.Timeout,
) -> tuple[httpx.Response, float]:
    """POST `body` as JSON; the response (any status) and the seconds it took.

    Raises:
        ProviderError: ``timeout`` or ``connection`` when no response came.
    """
    start = time.perf_counter()
    try:
        response = await http.post(
            url,
            headers={"content-type": "application/json", **headers},
            content=orjson.dumps(body),
            timeout=limits,
        )
    except httpx.TimeoutException as exc:
        raise ProviderError(
            f"{provider!r} timed out ({type(exc).__name__})", provider=provider, kind="timeout"
        ) from None
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"{provider!r} unreachable ({type(exc).__name__})", provider=provider, kind="connection"
        ) from None
    return response, time.perf_counter() - start


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def error_message(body: Any) -> str:
    """The provider's error message from an OpenAI, Anthropic or Ollama error body."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:300]
        if isinstance(error, str):
            return error[:300]
    return ""


def try_again_in(message: str) -> float | None:
    """Seconds from Groq's "Please try again in 2.63s" / "1m2.5s", when present."""
    match = _TRY_AGAIN.search(message)
    return parse_duration(match.group(1)) if match else None


def status_kind(status: int) -> ErrorKind:
    """The error kind of a non-2xx status that needs no provider-specific reading."""
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limited"
    if status == 402:
        return "spend_limit"
    if status in (503, 529):
        return "overloaded"
    if status == 408 or status == 504:
        return "timeout"
    if 400 <= status < 500:
        return "bad_request"
    return "server_error"


class HttpProvider(ABC):
    """One HTTP provider: POST the request, read the rate-limit headers every answer carries,
    turn a non-200 into a `ProviderError`, an empty answer into ``malformed``, and a good one
    into a `Completion`. Subclasses say how to ask (`_request`), how to read (`_parse`) and
    what an error means (`_classify`). Never retries on its own.
    """

    #: What the provider calls its answer, in error messages.
    answer_noun = "answer"

    def __init__(
        self,
        name: str,
        *,
        http: httpx.AsyncClient,
        url: str,
        model: str,
        connect_timeout_s: float,
        read_timeout_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.name = name
        self.model = model
        self._http = http
        self._url = url
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._clock = clock

    async def complete(self, request: CompletionRequest) -> Completion:
        """Ask once; see the adapter's module docstring for its error kinds."""
        body, headers = self._request(request)
        response, latency = await post_json(
            self._http, self._url, provider=self.name, headers=headers, body=body,
            limits=self._timeout,
        )  # fmt: skip
        now = self._clock()
        limits = read_rate_limit_headers(response.headers, now=now)
        if response.status_code != 200:
            raise self._error(response, now=now)
        text, model, input_tokens, output_tokens = self._parse(response.content)
        if not text.strip():
            raise self._malformed(f"sent an empty {self.answer_noun}")
        return Completion(
            text=text.strip(),
            model=model or self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            rate_limits=limits,
        )

    def _malformed(self, what: str) -> ProviderError:
        return ProviderError(f"{self.name!r} {what}", provider=self.name, kind="malformed")

    def _error(self, response: httpx.Response, *, now: float) -> ProviderError:
        status = response.status_code
        body = json_body(response)
        message = error_message(body)
        kind, retry_after = self._classify(response, body, message, now=now)
        return ProviderError(
            f"{self.name!r} answered {status}: {message or response.reason_phrase}",
            provider=self.name,
            kind=kind,
            status_code=status,
            retry_after=retry_after,
        )

    @abstractmethod
    def _request(self, request: CompletionRequest) -> tuple[dict[str, Any], dict[str, str]]:
        """The JSON body and the headers of the POST."""

    @abstractmethod
    def _parse(self, content: bytes) -> tuple[str, str | None, int, int]:
        """(text, model, input tokens, output tokens) of a 200 answer; `ProviderError` when
        it is not one."""

    @abstractmethod
    def _classify(
        self, response: httpx.Response, body: Any, message: str, *, now: float
    ) -> tuple[ErrorKind, float | None]:
        """The error kind and retry-after of a non-200 answer."""
