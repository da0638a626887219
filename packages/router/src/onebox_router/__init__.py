"""onebox-router: cost-aware LLM routing with a response cache, quotas, budgets and a deadline."""

from .anthropic import AnthropicProvider
from .breaker import CircuitBreaker
from .build import build_router, faq_store, make_provider, open_faq
from .cache import CacheHit, CacheStats, ResponseCache, namespace
from .cacheadmin import CacheAdmin, CachedAnswer
from .classifier import Classification, Classifier
from .conversation import Completion, Conversation, MessageClass, Reply, Turn
from .errors import ConfigError, ProviderError, RouterError
from .faqentry import MAX_ANSWER_CHARS, FaqError, SeedResult, StoredFaq
from .faqstore import FaqStore
from .ledger import CallRecord, Ledger, spend_summary
from .livefaq import LiveFaq
from .localized import language_code
from .matching import Signature, signature, similarity
from .offline import Fallback, FaqEntry, OfflineProvider, load_faq, parse_faq
from .openai import OpenAICompatProvider
from .personal import personal_reasons
from .policy import ProviderConfig, RoutingPolicy, load_policy
from .prices import PRICE_TABLE_VERSION, PRICES, Price, lookup_price
from .privacy import cache_exclusion, depends_on_history
from .provider import CompletionRequest, Provider
from .ratelimit import Quota, TokenBucket, parse_duration
from .router import Router
from .settings import RouterSettings

__all__ = [
    "MAX_ANSWER_CHARS",
    "PRICES",
    "PRICE_TABLE_VERSION",
    "AnthropicProvider",
    "CacheAdmin",
    "CacheHit",
    "CacheStats",
    "CachedAnswer",
    "CallRecord",
    "CircuitBreaker",
    "Classification",
    "Classifier",
    "Completion",
    "CompletionRequest",
    "ConfigError",
    "Conversation",
    "Fallback",
    "FaqEntry",
    "FaqError",
    "FaqStore",
    "Ledger",
    "LiveFaq",
    "MessageClass",
    "OfflineProvider",
    "OpenAICompatProvider",
    "Price",
    "Provider",
    "ProviderConfig",
    "ProviderError",
    "Quota",
    "Reply",
    "ResponseCache",
    "Router",
    "RouterError",
    "RouterSettings",
    "RoutingPolicy",
    "SeedResult",
    "Signature",
    "StoredFaq",
    "TokenBucket",
    "Turn",
    "build_router",
    "cache_exclusion",
    "depends_on_history",
    "faq_store",
    "language_code",
    "load_faq",
    "load_policy",
    "lookup_price",
    "make_provider",
    "namespace",
    "open_faq",
    "parse_duration",
    "parse_faq",
    "personal_reasons",
    "signature",
    "similarity",
    "spend_summary",
]
