"""`build_router`: the composition of a `Router` from `RouterSettings` (called from ``main()``)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import httpx
from onebox_bus import Database

from ._metrics import Collector
from .anthropic import AnthropicProvider
from .cache import ResponseCache
from .ledger import Ledger
from .offline import FALLBACK_TEXT, OfflineProvider, load_faq
from .openai import OpenAICompatProvider
from .policy import ProviderConfig, load_policy
from .provider import Provider
from .router import Router
from .settings import RouterSettings


def make_provider(
    config: ProviderConfig, *, http: httpx.AsyncClient, clock: Callable[[], float]
) -> Provider:
    """The HTTP adapter for `config`."""
    if config.kind == "anthropic":
        assert config.api_key is not None
        return AnthropicProvider(
            config.name, http=http, api_key=config.api_key, model=config.model,
            base_url=config.base_url, connect_timeout_s=config.connect_timeout_s,
            read_timeout_s=config.timeout_s, clock=clock,
        )  # fmt: skip
    return OpenAICompatProvider(
        config.name, http=http, base_url=config.base_url, model=config.model,
        api_key=config.api_key, connect_timeout_s=config.connect_timeout_s,
        read_timeout_s=config.timeout_s, clock=clock,
    )  # fmt: skip


def build_router(
    settings: RouterSettings,
    *,
    http: httpx.AsyncClient,
    db: Database | None,
    clock: Callable[[], float] = time.time,
    collector: Collector | None = None,
    holding: Callable[[str], str] | None = None,
) -> Router:
    """A router configured by `settings` (and its routing file), on `http` and `db`.

    `db` must be on a migrated shared database (``onebox migrate``); None runs without
    cache and ledger (budgets then only count this process's spend). `holding` words the offline
    answer when nothing in the FAQ matches (default: `offline.FALLBACK_TEXT`).

    Raises:
        ConfigError: bad routing file, unknown chain entry, unreadable FAQ file.
    """
    policy = load_policy(settings)
    faq = load_faq(settings.faq_file)
    faq_hash = hashlib.sha256(
        "\x00".join(f"{e.question}\x01{e.answer}" for e in faq).encode()
    ).hexdigest()[:16]
    providers = {
        name: make_provider(config, http=http, clock=clock)
        for name, config in policy.providers.items()
    }
    cache = ledger = None
    if db is not None:
        ledger = Ledger(db)
        if policy.cache_enabled:
            cache = ResponseCache(
                db, clock=clock, ttl_s=policy.cache_ttl_s, threshold=policy.cache_similarity,
                anchors=faq,
            )  # fmt: skip
    return Router(
        policy=policy,
        providers=providers,
        offline=OfflineProvider(
            faq, threshold=policy.offline_similarity, fallback=holding or FALLBACK_TEXT
        ),
        cache=cache,
        ledger=ledger,
        clock=clock,
        collector=collector,
        answer_version=faq_hash,
    )
