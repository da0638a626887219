"""onebox-router: cost-aware LLM routing with a response cache, quotas, budgets and a deadline."""

from .anthropic import AnthropicProvider
from .breaker import CircuitBreaker
from .build import build_router, make_provider
from .cache import CacheHit, CacheStats, ResponseCache, namespace
from .classifier import Classification, Classifier
from .conversation import Completion, Conversation, MessageClass, Reply, Turn
from .errors import ConfigError, ProviderError, RouterError
from .ledger import CallRecord, Ledger, spend_summary
from .matching import Signature, signature, similarity
from .offline import FaqEntry, OfflineProvider, load_faq, parse_faq
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
    "PRICES",
    "PRICE_TABLE_VERSION",
    "AnthropicProvider",
    "CacheHit",
    "CacheStats",
    "CallRecord",
    "CircuitBreaker",
    "Classification",
    "Classifier",
    "Completion",
    "CompletionRequest",
    "ConfigError",
    "Conversation",
    "FaqEntry",
    "Ledger",
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
    "Signature",
    "TokenBucket",
    "Turn",
    "build_router",
    "cache_exclusion",
    "depends_on_history",
    "load_faq",
    "load_policy",
    "lookup_price",
    "make_provider",
    "namespace",
    "parse_duration",
    "parse_faq",
    "personal_reasons",
    "signature",
    "similarity",
    "spend_summary",
]
