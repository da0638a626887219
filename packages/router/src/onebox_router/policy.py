"""The routing policy: which providers exist, their limits and prices, and the chain per class.

Built from `RouterSettings` (keys, URLs, models) and, for everything else, the TOML file named
by ``ONEBOX_ROUTING_FILE``::

    [chains]
    simple = ["groq", "local", "offline"]
    complex = ["claude", "groq", "local", "offline"]

    [providers.groq]
    timeout_seconds = 8
    requests_per_minute = 30
    tokens_per_minute = 6000
    input_price = 0.05          # USD per million tokens
    output_price = 0.08
    monthly_budget_usd = 5

    [providers.openrouter]      # any other OpenAI-compatible endpoint
    kind = "openai"
    base_url = "https://openrouter.ai/api/v1"
    model = "meta-llama/llama-3.1-8b-instruct"

    [classifier]
    threshold = 0.5

    [cache]
    ttl_seconds = 86400
    similarity = 0.8

    [cache.ttl_by_class]        # optional; each key falls back to ttl_seconds
    simple = 604800             # answers to simple questions
    complex = 3600              # answers to complex ones
    faq = 2592000               # answers to questions keyed on an FAQ entry (wins over both)

Providers without a key or URL are left out of the chains; so is a paid provider whose model has
no known price (fail closed). ``offline`` always ends every chain. A bad file raises `ConfigError`.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .conversation import MessageClass
from .errors import ConfigError
from .prices import FREE, PRICE_TABLE_VERSION, Price, lookup_price
from .settings import RouterSettings

log = structlog.get_logger()

ProviderKind = Literal["openai", "anthropic"]
DEFAULT_CHAINS: dict[MessageClass, tuple[str, ...]] = {
    "simple": ("groq", "local", "offline"),
    "complex": ("claude", "groq", "local", "offline"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderSpec(_Strict):
    """One ``[providers.<name>]`` table of the routing file."""

    kind: ProviderKind | None = None
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    enabled: bool = True
    free: bool | None = None
    timeout_seconds: float | None = Field(default=None, gt=0)
    connect_timeout_seconds: float | None = Field(default=None, gt=0)
    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(default=None, gt=0)
    input_price: float | None = Field(default=None, ge=0)
    output_price: float | None = Field(default=None, ge=0)
    monthly_budget_usd: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)


class _Classifier(_Strict):
    threshold: float = Field(default=0.5, gt=0)


class _TtlByClass(_Strict):
    simple: float | None = Field(default=None, gt=0)
    complex: float | None = Field(default=None, gt=0)
    faq: float | None = Field(default=None, gt=0)


class _Cache(_Strict):
    enabled: bool = True
    ttl_seconds: float = Field(default=86_400.0, gt=0)
    ttl_by_class: _TtlByClass = _TtlByClass()
    similarity: float = Field(default=0.8, gt=0, le=1)


class _Breaker(_Strict):
    failures: int = Field(default=3, ge=1)
    cooldown_seconds: float = Field(default=30.0, gt=0)


class _Deadline(_Strict):
    offline_reserve_seconds: float = Field(default=0.05, ge=0)


class _Offline(_Strict):
    similarity: float = Field(default=0.7, gt=0, le=1)


class RoutingFile(_Strict):
    """The routing TOML file's schema."""

    chains: dict[MessageClass, list[str]] = Field(default_factory=dict)
    providers: dict[str, ProviderSpec] = Field(default_factory=dict)
    classifier: _Classifier = _Classifier()
    cache: _Cache = _Cache()
    breaker: _Breaker = _Breaker()
    deadline: _Deadline = _Deadline()
    offline: _Offline = _Offline()
    #: Validated by `onebox_router.transcribe.policy` (speech providers and their chain).
    transcription: dict[str, object] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderConfig:
    """One usable provider, resolved."""

    name: str
    kind: ProviderKind
    base_url: str
    model: str
    api_key: str | None
    timeout_s: float
    connect_timeout_s: float
    rpm: float | None
    tpm: float | None
    price: Price
    monthly_budget_usd: float | None
    max_tokens: int
    temperature: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingPolicy:
    """Everything the router needs to decide, resolved and validated."""

    providers: dict[str, ProviderConfig]
    chains: dict[MessageClass, tuple[str, ...]]
    classifier_threshold: float = 0.5
    cache_enabled: bool = True
    cache_ttl_s: float = 86_400.0
    #: Time to live per message class and for FAQ-keyed answers (``faq``); others use
    #: `cache_ttl_s`.
    cache_ttl_by_class: Mapping[str, float] = field(default_factory=dict)
    cache_similarity: float = 0.8
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0
    offline_reserve_s: float = 0.05
    offline_similarity: float = 0.7
    deadline_s: float = 30.0

    @property
    def version(self) -> str:
        """A hash of what changes answers (chains, models, prices' date), for cache keys."""
        parts = [PRICE_TABLE_VERSION]
        for cls, chain in sorted(self.chains.items()):
            models = [f"{n}={self.providers[n].model}" if n in self.providers else n for n in chain]
            parts.append(f"{cls}:{','.join(models)}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def read_routing_file(settings: RouterSettings) -> RoutingFile:
    """The parsed ``ONEBOX_ROUTING_FILE`` (an empty policy when unset)."""
    path = settings.routing_file
    if path is None:
        return RoutingFile()
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"ONEBOX_ROUTING_FILE {str(path)!r} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"ONEBOX_ROUTING_FILE {str(path)!r} is not valid TOML: {exc}") from None
    try:
        return RoutingFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"ONEBOX_ROUTING_FILE {str(path)!r}: {where}: {first['msg']}") from None


def _builtin(settings: RouterSettings) -> dict[str, ProviderSpec]:
    groq_key = settings.groq_api_key.get_secret_value() if settings.groq_api_key else None
    claude_key = (
        settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else None
    )
    specs = {
        "groq": ProviderSpec(
            kind="openai", base_url=settings.groq_base_url, model=settings.groq_model,
            api_key=SecretStr(groq_key) if groq_key else None, timeout_seconds=8.0,
            requests_per_minute=30, tokens_per_minute=6000, free=False,
        ),
        "claude": ProviderSpec(
            kind="anthropic", base_url=settings.anthropic_base_url,
            model=settings.anthropic_model, api_key=SecretStr(claude_key) if claude_key else None,
            timeout_seconds=20.0, requests_per_minute=50, free=False,
        ),
        "local": ProviderSpec(
            kind="openai", base_url=settings.local_llm_url, model=settings.local_llm_model,
            timeout_seconds=45.0, connect_timeout_seconds=1.0, free=True,
        ),
    }  # fmt: skip
    return specs


def _merge(base: ProviderSpec | None, override: ProviderSpec | None) -> ProviderSpec | None:
    if base is None or override is None:
        return override or base
    given = override.model_dump(exclude_unset=True)
    return base.model_copy(update=given)


def _resolve(name: str, spec: ProviderSpec, *, builtin: bool) -> ProviderConfig | None:
    if not spec.enabled or not spec.base_url or spec.kind is None:
        if not builtin and spec.enabled:
            raise ConfigError(f"routing provider {name!r} needs `kind` and `base_url`")
        return None
    if name in ("groq", "claude") and spec.api_key is None:
        return None
    if not spec.model:
        raise ConfigError(f"routing provider {name!r} needs a `model`")
    if spec.free:
        price: Price | None = FREE
    elif spec.input_price is not None and spec.output_price is not None:
        price = Price(input_per_mtok=spec.input_price, output_per_mtok=spec.output_price)
    else:
        price = lookup_price(spec.model)
    if price is None:
        log.error("router.provider_unpriced", provider=name, model=spec.model)
        return None
    return ProviderConfig(
        name=name,
        kind=spec.kind,
        base_url=spec.base_url,
        model=spec.model,
        api_key=spec.api_key.get_secret_value() if spec.api_key else None,
        timeout_s=spec.timeout_seconds or 30.0,
        connect_timeout_s=spec.connect_timeout_seconds or 3.0,
        rpm=spec.requests_per_minute,
        tpm=spec.tokens_per_minute,
        price=price,
        monthly_budget_usd=spec.monthly_budget_usd,
        max_tokens=spec.max_tokens or 512,
        temperature=spec.temperature if spec.temperature is not None else 0.3,
    )


def load_policy(settings: RouterSettings) -> RoutingPolicy:
    """The policy from `settings` and its routing file.

    Raises:
        ConfigError: a bad routing file, a chain naming an unknown provider, a custom provider
            without ``kind``/``base_url``/``model``.
    """
    file = read_routing_file(settings)
    builtin = _builtin(settings)
    providers: dict[str, ProviderConfig] = {}
    for name in sorted(set(builtin) | set(file.providers)):
        if name == "offline":
            raise ConfigError("routing provider 'offline' is built in and cannot be configured")
        spec = _merge(builtin.get(name), file.providers.get(name))
        assert spec is not None
        resolved = _resolve(name, spec, builtin=name in builtin)
        if resolved is not None:
            providers[name] = resolved
    known = set(builtin) | set(file.providers) | {"offline"}
    chains: dict[MessageClass, tuple[str, ...]] = {}
    for cls in ("simple", "complex"):
        chain = file.chains.get(cls) or list(DEFAULT_CHAINS[cls])
        for name in chain:
            if name not in known:
                raise ConfigError(f"routing chain {cls!r} names unknown provider {name!r}")
        chains[cls] = (*(n for n in chain if n in providers), "offline")
    return RoutingPolicy(
        providers=providers,
        chains=chains,
        classifier_threshold=file.classifier.threshold,
        cache_enabled=file.cache.enabled,
        cache_ttl_s=file.cache.ttl_seconds,
        cache_ttl_by_class=file.cache.ttl_by_class.model_dump(exclude_none=True),
        cache_similarity=file.cache.similarity,
        breaker_failures=file.breaker.failures,
        breaker_cooldown_s=file.breaker.cooldown_seconds,
        offline_reserve_s=file.deadline.offline_reserve_seconds,
        offline_similarity=file.offline.similarity,
        deadline_s=settings.deadline_seconds,
    )
