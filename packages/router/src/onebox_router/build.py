"""`build_router`: the composition of a `Router` from `RouterSettings` (called from ``main()``).

`open_faq` seeds the database's FAQ from the FAQ file and returns the process's `LiveFaq`;
a router built with it answers from the current entries (`OfflineProvider.replace`), and
its cache namespace no longer hashes the FAQ: an edit deletes only the cached answers it
supersedes (`onebox_router.faqstore`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import httpx
from onebox_bus import Database

from ._metrics import Collector
from .anthropic import AnthropicProvider
from .cache import ResponseCache
from .faqentry import StoredFaq
from .faqstore import FaqStore
from .ledger import Ledger
from .livefaq import LiveFaq
from .offline import FALLBACK_TEXT, Fallback, OfflineProvider, load_faq
from .openai import OpenAICompatProvider
from .policy import ProviderConfig, RoutingPolicy, load_policy
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


#: Seconds past the routing deadline for an answer to be written behind (see `LiveFaq`).
SETTLE_MARGIN_S = 10.0


def faq_store(
    settings: RouterSettings,
    db: Database,
    *,
    clock: Callable[[], float] = time.time,
    policy: RoutingPolicy | None = None,
) -> FaqStore:
    """The FAQ store on `db`, superseding cached answers at the routing policy's threshold.

    Raises:
        ConfigError: bad routing file.
    """
    policy = policy or load_policy(settings)
    return FaqStore(db, clock=clock, supersede_threshold=policy.cache_similarity)


def open_faq(
    settings: RouterSettings, db: Database, *, clock: Callable[[], float] = time.time
) -> LiveFaq:
    """Seed the database's FAQ from the FAQ file (`FaqStore.seed`) and follow it from now on.

    Raises:
        ConfigError: bad routing file, unreadable or empty FAQ file.
    """
    store = faq_store(settings, db, clock=clock)
    store.seed(load_faq(settings.faq_file))
    return LiveFaq(store, settle_s=settings.deadline_seconds + SETTLE_MARGIN_S)


def build_router(
    settings: RouterSettings,
    *,
    http: httpx.AsyncClient,
    db: Database | None,
    clock: Callable[[], float] = time.time,
    collector: Collector | None = None,
    holding: Fallback | None = None,
    faq: LiveFaq | None = None,
) -> Router:
    """A router configured by `settings` (and its routing file), on `http` and `db`.

    `db` must be on a migrated shared database (``onebox migrate``); None runs without
    cache and ledger (budgets then only count this process's spend). `holding` words the offline
    answer when nothing in the FAQ matches (default: `offline.FALLBACK_TEXT`). With `faq`
    (`open_faq`) the offline answers follow the database's current entries; without it they
    come from the FAQ file as it was read now.

    Raises:
        ConfigError: bad routing file, unknown chain entry, unreadable FAQ file.
    """
    policy = load_policy(settings)
    if faq is None:
        entries = load_faq(settings.faq_file)
        faq_version = hashlib.sha256(
            "\x00".join(f"{e.question}\x01{e.answer}" for e in entries).encode()
        ).hexdigest()[:16]
    else:
        entries = [stored.entry() for stored in faq.entries]
        faq_version = "live"
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
                ttl_by_class=policy.cache_ttl_by_class,
                anchors=entries,
            )  # fmt: skip
    offline = OfflineProvider(
        entries, threshold=policy.offline_similarity, fallback=holding or FALLBACK_TEXT
    )
    if faq is not None:
        anchored = cache

        def follow(current: list[StoredFaq]) -> None:
            latest = [stored.entry() for stored in current]
            offline.replace(latest)
            if anchored is not None:
                anchored.anchor(latest)

        faq.subscribe(follow)
    return Router(
        policy=policy,
        providers=providers,
        offline=offline,
        cache=cache,
        ledger=ledger,
        clock=clock,
        collector=collector,
        answer_version=faq_version,
    )
