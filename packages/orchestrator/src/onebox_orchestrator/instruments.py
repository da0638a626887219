"""The orchestrator's metrics: what it answered, how, and how long customers waited.

Counts into an `onebox_metrics.Collector`, or nowhere without one. Labels are closed sets
(channel, outcome, provider): never a chat or user id.
"""

from __future__ import annotations

from onebox_metrics import Collector

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


class Instruments:
    """Records each answered message; a no-op without a collector."""

    def __init__(self, collector: Collector | None) -> None:
        self._enabled = collector is not None
        if collector is None:
            return
        self._messages = collector.counter(
            "onebox_orchestrator_messages_total",
            "Inbound messages settled by the orchestrator, by outcome.",
            labels=("channel", "outcome", "provider"),
        )
        self._latency = collector.histogram(
            "onebox_orchestrator_reply_latency_seconds",
            "From the webhook's arrival to the reply's commit on the outbound topic.",
            labels=("channel",),
            buckets=LATENCY_BUCKETS,
        )
        self._cost = collector.counter(
            "onebox_orchestrator_cost_usd_total",
            "What the replies cost, as reported by the router.",
            labels=("channel", "provider"),
        )

    def answered(
        self, *, channel: str, outcome: str, provider: str, latency_s: float, cost_usd: float
    ) -> None:
        """Count one settled message."""
        if not self._enabled:
            return
        self._messages.inc(channel=channel, outcome=outcome, provider=provider)
        self._latency.observe(max(0.0, latency_s), channel=channel)
        if cost_usd:
            self._cost.inc(cost_usd, channel=channel, provider=provider)

    def malformed(self) -> None:
        """Count one inbound payload that could not be decoded."""
        if self._enabled:
            self._messages.inc(channel="unknown", outcome="malformed", provider="none")
