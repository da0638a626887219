"""The router's metrics, sent to an optional collector (``onebox_metrics.Collector``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Counter(Protocol):
    """What the router needs of a counter."""

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add `amount`."""
        ...


class Histogram(Protocol):
    """What the router needs of a histogram."""

    def observe(self, value: float, **labels: str) -> None:
        """Record `value`."""
        ...


class Collector(Protocol):
    """The part of ``onebox_metrics.Collector`` the router uses."""

    def counter(self, name: str, help: str, labels: Sequence[str] = ()) -> Counter:
        """A counter."""
        ...

    def histogram(self, name: str, help: str, labels: Sequence[str] = ()) -> Histogram:
        """A histogram."""
        ...


class RouterMetrics:
    """Every metric the router emits; all calls are no-ops without a collector."""

    def __init__(self, collector: Collector | None) -> None:
        self._on = collector is not None
        if collector is None:
            return
        self.replies = collector.counter(
            "onebox_router_replies_total", "Replies by provider, class and cache use",
            labels=("provider", "class", "cached"),
        )  # fmt: skip
        self.cache = collector.counter(
            "onebox_router_cache_lookups_total",
            "Cache lookups by result (exact, similar, miss, bypass_personal, bypass_context)",
            labels=("result",),
        )
        self.attempts = collector.counter(
            "onebox_router_provider_attempts_total", "Provider calls by outcome",
            labels=("provider", "outcome"),
        )  # fmt: skip
        self.skips = collector.counter(
            "onebox_router_provider_skips_total", "Providers skipped without a call, by reason",
            labels=("provider", "reason"),
        )  # fmt: skip
        self.latency = collector.histogram(
            "onebox_router_reply_seconds", "Time to a reply, by provider", labels=("provider",)
        )
        self.cost = collector.counter(
            "onebox_router_cost_usd_total", "Spend in USD (usage x price table), by provider",
            labels=("provider",),
        )  # fmt: skip
        self.tokens = collector.counter(
            "onebox_router_tokens_total", "Tokens billed, by provider and direction",
            labels=("provider", "direction"),
        )  # fmt: skip

    def reply(self, *, provider: str, cls: str, cached: bool, seconds: float) -> None:
        """Count a reply."""
        if self._on:
            labels = {"provider": provider, "class": cls, "cached": str(cached).lower()}
            self.replies.inc(1.0, **labels)
            self.latency.observe(seconds, provider=provider)

    def lookup(self, result: str) -> None:
        """Count a cache lookup (or bypass)."""
        if self._on:
            self.cache.inc(result=result)

    def attempt(
        self, *, provider: str, outcome: str, cost: float = 0.0, tokens: tuple[int, int] = (0, 0)
    ) -> None:
        """Count a provider call, its spend and its tokens."""
        if self._on:
            self.attempts.inc(provider=provider, outcome=outcome)
            if cost:
                self.cost.inc(cost, provider=provider)
            if tokens[0]:
                self.tokens.inc(tokens[0], provider=provider, direction="input")
            if tokens[1]:
                self.tokens.inc(tokens[1], provider=provider, direction="output")

    def skip(self, *, provider: str, reason: str) -> None:
        """Count a provider skipped without a call."""
        if self._on:
            self.skips.inc(provider=provider, reason=reason)
