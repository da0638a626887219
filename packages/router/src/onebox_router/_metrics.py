"""The router's metrics, sent to an optional collector (``onebox_metrics.Collector``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Counter(Protocol):
    """What the router needs of a counter."""

    def inc(self, **labels: str) -> None:
        """Add one."""
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
        self.cost = collector.histogram(
            "onebox_router_cost_usd", "Cost of each provider call in USD", labels=("provider",)
        )

    def reply(self, *, provider: str, cls: str, cached: bool, seconds: float) -> None:
        """Count a reply."""
        if self._on:
            self.replies.inc(provider=provider, **{"class": cls}, cached=str(cached).lower())
            self.latency.observe(seconds, provider=provider)

    def lookup(self, result: str) -> None:
        """Count a cache lookup (or bypass)."""
        if self._on:
            self.cache.inc(result=result)

    def attempt(self, *, provider: str, outcome: str, cost: float) -> None:
        """Count a provider call."""
        if self._on:
            self.attempts.inc(provider=provider, outcome=outcome)
            if outcome == "ok":
                self.cost.observe(cost, provider=provider)

    def skip(self, *, provider: str, reason: str) -> None:
        """Count a provider skipped without a call."""
        if self._on:
            self.skips.inc(provider=provider, reason=reason)
