"""What the HTTP adapters share: one POST with errors translated to `ProviderError` once."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import orjson

from .errors import ErrorKind, ProviderError

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
    from .ratelimit import parse_duration

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
