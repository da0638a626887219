"""The transcription policy: which speech providers exist, their limits and prices, the chain.

Read from the ``[transcription]`` table of the routing file (``ONEBOX_ROUTING_FILE``)::

    [transcription]
    chain = ["local-whisper", "groq-whisper"]    # omitted: every usable provider, cheapest first

    [transcription.providers.groq-whisper]       # built in: Groq's key and base URL, turbo model
    model = "whisper-large-v3-turbo"
    price_per_audio_hour = 0.04                  # USD; omitted: the built-in price table
    minimum_billed_seconds = 10
    requests_per_minute = 20
    audio_seconds_per_hour = 7200
    monthly_budget_usd = 2
    max_upload_mb = 25

    [transcription.providers.local-whisper]      # any OpenAI-compatible speech server
    base_url = "http://127.0.0.1:8000/v1"
    model = "Systran/faster-whisper-small"
    free = true

A provider without a URL (or, for ``groq-whisper``, without ``ONEBOX_GROQ_API_KEY``) is left
out; so is a paid one whose model has no known price (fail closed). A bad table raises
`ConfigError` naming the routing file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from onebox_router.errors import ConfigError
from onebox_router.policy import read_routing_file
from onebox_router.settings import RouterSettings

from .audio import AUDIO_PRICES, FREE_AUDIO, AudioPrice
from .openai import ResponseFormat

log = structlog.get_logger()

GROQ_WHISPER = "groq-whisper"
DEFAULT_GROQ_SPEECH_MODEL = "whisper-large-v3-turbo"
#: Groq's (and OpenAI's) upload ceiling per file.
DEFAULT_MAX_UPLOAD_MB = 25.0
_MB = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TranscriberSpec(_Strict):
    """One ``[transcription.providers.<name>]`` table."""

    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    enabled: bool = True
    free: bool | None = None
    response_format: ResponseFormat | None = None
    price_per_audio_hour: float | None = Field(default=None, ge=0)
    minimum_billed_seconds: float | None = Field(default=None, ge=0)
    timeout_seconds: float | None = Field(default=None, gt=0)
    connect_timeout_seconds: float | None = Field(default=None, gt=0)
    requests_per_minute: float | None = Field(default=None, gt=0)
    audio_seconds_per_hour: float | None = Field(default=None, gt=0)
    monthly_budget_usd: float | None = Field(default=None, ge=0)
    max_upload_mb: float | None = Field(default=None, gt=0)


class TranscriptionFile(_Strict):
    """The ``[transcription]`` table's schema."""

    chain: list[str] | None = None
    providers: dict[str, TranscriberSpec] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriberConfig:
    """One usable speech provider, resolved."""

    name: str
    base_url: str
    model: str
    api_key: str | None
    response_format: ResponseFormat
    price: AudioPrice
    timeout_s: float
    connect_timeout_s: float
    rpm: float | None
    audio_seconds_per_hour: float | None
    monthly_budget_usd: float | None
    max_upload_bytes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptionPolicy:
    """The speech providers and the order they are tried in."""

    providers: dict[str, TranscriberConfig]
    chain: tuple[str, ...]
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0


def _builtin(settings: RouterSettings) -> dict[str, TranscriberSpec]:
    return {
        GROQ_WHISPER: TranscriberSpec(
            base_url=settings.groq_base_url, model=DEFAULT_GROQ_SPEECH_MODEL,
            api_key=settings.groq_api_key, free=False, timeout_seconds=20.0,
            requests_per_minute=20, audio_seconds_per_hour=7200,
        ),
    }  # fmt: skip


def _resolve(name: str, spec: TranscriberSpec, *, builtin: bool) -> TranscriberConfig | None:
    if not spec.enabled:
        return None
    if not spec.base_url:
        if builtin:
            return None
        raise ConfigError(f"transcription provider {name!r} needs a `base_url`")
    if name == GROQ_WHISPER and spec.api_key is None:
        return None
    if not spec.model:
        raise ConfigError(f"transcription provider {name!r} needs a `model`")
    price: AudioPrice | None
    if spec.free:
        price = FREE_AUDIO
    elif spec.price_per_audio_hour is not None:
        price = AudioPrice(
            usd_per_hour=spec.price_per_audio_hour,
            minimum_seconds=spec.minimum_billed_seconds or 0.0,
        )
    else:
        price = AUDIO_PRICES.get(spec.model)
        if price is not None and spec.minimum_billed_seconds is not None:
            price = AudioPrice(
                usd_per_hour=price.usd_per_hour, minimum_seconds=spec.minimum_billed_seconds
            )
    if price is None:
        log.error("router.transcriber_unpriced", provider=name, model=spec.model)
        return None
    return TranscriberConfig(
        name=name,
        base_url=spec.base_url,
        model=spec.model,
        api_key=spec.api_key.get_secret_value() if spec.api_key else None,
        response_format=spec.response_format or "verbose_json",
        price=price,
        timeout_s=spec.timeout_seconds or 30.0,
        connect_timeout_s=spec.connect_timeout_seconds or 3.0,
        rpm=spec.requests_per_minute,
        audio_seconds_per_hour=spec.audio_seconds_per_hour,
        monthly_budget_usd=spec.monthly_budget_usd,
        max_upload_bytes=int((spec.max_upload_mb or DEFAULT_MAX_UPLOAD_MB) * _MB),
    )


def resolve_transcription(
    file: TranscriptionFile,
    settings: RouterSettings,
    *,
    breaker_failures: int = 3,
    breaker_cooldown_s: float = 30.0,
) -> TranscriptionPolicy:
    """The policy from a parsed ``[transcription]`` table and the router's settings.

    Raises:
        ConfigError: a chain naming an unknown provider, a custom provider without
            ``base_url`` or ``model``.
    """
    builtin = _builtin(settings)
    providers: dict[str, TranscriberConfig] = {}
    for name in sorted(set(builtin) | set(file.providers)):
        base, override = builtin.get(name), file.providers.get(name)
        spec = override or base
        if base is not None and override is not None:
            spec = base.model_copy(update=override.model_dump(exclude_unset=True))
        assert spec is not None
        resolved = _resolve(name, spec, builtin=name in builtin)
        if resolved is not None:
            providers[name] = resolved
    if file.chain is None:
        chain = sorted(providers, key=lambda n: (providers[n].price.usd_per_hour, n))
    else:
        known = set(builtin) | set(file.providers)
        for name in file.chain:
            if name not in known:
                raise ConfigError(f"transcription chain names unknown provider {name!r}")
        chain = [name for name in file.chain if name in providers]
    return TranscriptionPolicy(
        providers=providers,
        chain=tuple(chain),
        breaker_failures=breaker_failures,
        breaker_cooldown_s=breaker_cooldown_s,
    )


def load_transcription_policy(settings: RouterSettings) -> TranscriptionPolicy:
    """The transcription policy from `settings` and the routing file's ``[transcription]``.

    Raises:
        ConfigError: a bad routing file or ``[transcription]`` table.
    """
    routing = read_routing_file(settings)
    try:
        file = TranscriptionFile.model_validate(routing.transcription)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in ("transcription", *first["loc"]))
        path = str(settings.routing_file)
        raise ConfigError(f"ONEBOX_ROUTING_FILE {path!r}: {where}: {first['msg']}") from None
    return resolve_transcription(
        file,
        settings,
        breaker_failures=routing.breaker.failures,
        breaker_cooldown_s=routing.breaker.cooldown_seconds,
    )
