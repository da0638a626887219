"""`OpenAICompatTranscriber`: ``POST {base}/audio/transcriptions`` over the OpenAI wire format.

One adapter for Groq (``https://api.groq.com/openai/v1``, ``whisper-large-v3-turbo``) and any
local OpenAI-compatible speech server (faster-whisper-server / speaches, whisper.cpp's server,
vLLM) by base URL. The request is ``multipart/form-data`` with the parts ``model``,
``response_format`` (``verbose_json`` by default: it carries ``language`` and ``duration``;
``json`` and ``text`` are understood too), ``language`` when the caller knows it, and ``file``
last. Errors become `ProviderError` like the chat adapters': 429 -> ``rate_limited`` with the
wait from ``retry-after``, Groq's "try again in" or the ``x-ratelimit-reset-*`` headers;
413 -> ``bad_request`` with status 413 (the file is too large for this provider); 401/403 ->
``auth``; 503 -> ``overloaded``; other 5xx -> ``server_error``. It never retries on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel, ValidationError

from onebox_router._http import error_message, json_body, status_kind, try_again_in
from onebox_router.errors import ProviderError
from onebox_router.ratelimit import RateLimitHeaders, parse_retry_after, read_rate_limit_headers

from .audio import Audio
from .languages import language_code

ResponseFormat = Literal["json", "verbose_json", "text"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Heard:
    """One provider's transcript, before the chain adds cost and routing facts.

    Attributes:
        text: the transcript (stripped).
        language: ISO 639-1 code of the spoken language, when the provider said.
        duration_s: the audio's length as the provider measured it, when it said.
        model: the model that listened.
        latency_s: seconds from request to answer.
        rate_limits: the provider's rate-limit headers.
    """

    text: str
    language: str | None
    duration_s: float | None
    model: str
    latency_s: float = 0.0
    rate_limits: RateLimitHeaders | None = None


class _Transcription(BaseModel):
    text: str
    language: str | None = None
    duration: float | None = None


class OpenAICompatTranscriber:
    """A speech-to-text provider speaking OpenAI-compatible audio transcriptions.

    Args:
        name: the provider's name in chains, logs and the calls table (``groq-whisper``).
        http: the client to use (never closed here).
        base_url: e.g. ``https://api.groq.com/openai/v1`` or ``http://127.0.0.1:8000/v1``.
        model: e.g. ``whisper-large-v3-turbo``.
        api_key: bearer key; None for local servers that need none.
        response_format: ``verbose_json`` (language and duration), ``json`` or ``text``.
        connect_timeout_s: httpx connect timeout; the read timeout is given per call.
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
        response_format: ResponseFormat = "verbose_json",
        connect_timeout_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.model = model
        self.url = base_url.rstrip("/") + "/audio/transcriptions"
        self.response_format: ResponseFormat = response_format
        self._http = http
        self._api_key = api_key
        self._connect_timeout_s = connect_timeout_s
        self._clock = clock

    async def transcribe(
        self, audio: Audio, *, language: str | None, read_timeout_s: float
    ) -> Heard:
        """Transcribe `audio` once; `read_timeout_s` bounds the upload and the wait.

        Raises:
            ProviderError: see the module docstring for the kinds.
        """
        fields = {"model": self.model, "response_format": self.response_format}
        if language:
            fields["language"] = language
        headers = {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        limits = httpx.Timeout(read_timeout_s, connect=min(self._connect_timeout_s, read_timeout_s))
        started = time.perf_counter()
        try:
            response = await self._http.post(
                self.url,
                data=fields,
                files={"file": (audio.filename, audio.data, audio.content_type)},
                headers=headers,
                timeout=limits,
            )
        except httpx.TimeoutException as exc:
            raise ProviderError(
                f"{self.name!r} timed out ({type(exc).__name__})", provider=self.name,
                kind="timeout",
            ) from None  # fmt: skip
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"{self.name!r} unreachable ({type(exc).__name__})", provider=self.name,
                kind="connection",
            ) from None  # fmt: skip
        latency = time.perf_counter() - started
        now = self._clock()
        limits_seen = read_rate_limit_headers(response.headers, now=now)
        if response.status_code != 200:
            raise self._error(response, now=now)
        text, reported_language, duration = self._parse(response)
        if not text.strip():
            raise ProviderError(
                f"{self.name!r} sent an empty transcript", provider=self.name, kind="malformed"
            )
        return Heard(
            text=text.strip(),
            language=language_code(reported_language) or language_code(language),
            duration_s=duration,
            model=self.model,
            latency_s=latency,
            rate_limits=limits_seen,
        )

    def _parse(self, response: httpx.Response) -> tuple[str, str | None, float | None]:
        if self.response_format == "text":
            return response.text, None, None
        try:
            parsed = _Transcription.model_validate_json(response.content)
        except ValidationError:
            raise ProviderError(
                f"{self.name!r} sent a malformed transcription", provider=self.name,
                kind="malformed",
            ) from None  # fmt: skip
        duration = parsed.duration if parsed.duration is not None and parsed.duration >= 0 else None
        return parsed.text, parsed.language, duration

    def _error(self, response: httpx.Response, *, now: float) -> ProviderError:
        status = response.status_code
        message = error_message(json_body(response))
        kind = status_kind(status)
        retry_after = parse_retry_after(response.headers, now=now)
        if kind == "rate_limited" and retry_after is None:
            limits = read_rate_limit_headers(response.headers, now=now)
            retry_after = try_again_in(message) or limits.reset_requests_s or limits.reset_tokens_s
        return ProviderError(
            f"{self.name!r} answered {status}: {message or response.reason_phrase}",
            provider=self.name,
            kind=kind,
            status_code=status,
            retry_after=retry_after,
        )
