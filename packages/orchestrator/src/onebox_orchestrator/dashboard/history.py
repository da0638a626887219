"""A generated traffic history in the metrics and router tables, for demos, tests and benches.

`seed_history` writes what a deployment would have written over `days` days at
`events_per_day` inbound messages a day (a business-hours curve, two channels, ~85 % cache
hits, paid and free providers, a few failures and timeouts): raw one-minute rows for the last
`raw_days` days and, before that, one row per series and day, as the metrics roll-up leaves
them. Rows go straight into ``metrics_samples`` and ``router_calls`` with the schemas those
packages document; nothing here runs in production.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Engine

from .slots import CACHE_LOOKUPS, DAY, DELIVERIES, MESSAGES, MINUTE, REPLY_LATENCY

LATENCY_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
CHANNELS = (("telegram", 0.6), ("whatsapp", 0.4))
#: provider -> (share of cache misses, cost of one ok call in USD)
PROVIDERS = {"groq": (0.8, 0.00006), "claude": (0.1, 0.0045), "offline": (0.1, 0.0)}
#: Families a deployment also writes, which the dashboard does not read (table realism).
OTHER = (
    ("onebox_router_replies_total", ("provider",), ("cache", "groq", "claude", "offline")),
    ("onebox_router_provider_attempts_total", ("provider",), ("groq", "claude")),
    ("onebox_webhook_requests_total", ("channel",), ("telegram", "whatsapp")),
    ("onebox_orchestrator_cost_usd_total", ("provider",), ("groq", "claude")),
)

_INSERT_SAMPLE = text(
    "INSERT INTO metrics_samples (service, name, labels, width, start, kind, value, count,"
    " buckets, updated_at) VALUES (:service, :name, :labels, :width, :start, :kind, :value,"
    " :count, :buckets, :updated_at)"
)
_INSERT_CALL = text(
    'INSERT INTO router_calls (created_at, provider, model, "class", input_tokens,'
    " output_tokens, cost_usd, latency_s, outcome, correlation_id, channel) VALUES"
    " (:created_at, :provider, :model, 'simple', 120, 60, :cost_usd, :latency_s, :outcome,"
    " NULL, :channel)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """What `seed_history` wrote."""

    samples: int
    calls: int
    messages: int


def _labels(**labels: str) -> str:
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS).decode()


def _shape(t: float) -> float:
    """Traffic relative to the daily mean: low at night, high in the afternoon (UTC)."""
    hour = (t % DAY) / 3600
    return 1 + 0.8 * math.sin((hour - 9) / 24 * 2 * math.pi)


class _Bucket:
    """The rows of one time bucket, accumulated before they are written."""

    def __init__(self) -> None:
        self.counters: dict[tuple[str, str, str], float] = {}
        self.hists: dict[tuple[str, str, str], list[float]] = {}

    def inc(self, service: str, name: str, labels: str, n: float) -> None:
        key = (service, name, labels)
        self.counters[key] = self.counters.get(key, 0.0) + n

    def observe(self, service: str, name: str, labels: str, values: list[float]) -> None:
        self.hists.setdefault((service, name, labels), []).extend(values)

    def rows(self, *, width: float, start: float) -> list[dict[str, Any]]:
        out = []
        base = {"width": width, "start": start, "updated_at": start + min(width, 60.0) - 1}
        for (service, name, labels), value in self.counters.items():
            if value:
                row = {"service": service, "name": name, "labels": labels, "kind": "counter"}
                out.append({**base, **row, "value": value, "count": None, "buckets": None})
        for (service, name, labels), values in self.hists.items():
            buckets = {f"{b:g}": sum(1 for v in values if v <= b) for b in LATENCY_BOUNDS}
            out.append({**base, "service": service, "name": name, "labels": labels,
                        "kind": "histogram", "value": sum(values), "count": len(values),
                        "buckets": orjson.dumps(buckets).decode()})  # fmt: skip
        return out


def _traffic(bucket: _Bucket, calls: list[dict[str, Any]], *, t: float, n: int,
             rng: random.Random, latency_samples: int) -> None:  # fmt: skip
    for channel, share in CHANNELS:
        k = round(n * share)
        if not k:
            continue
        hits = sum(1 for _ in range(k) if rng.random() < 0.85)
        misses = k - hits
        bucket.inc("orchestrator", MESSAGES, _labels(channel=channel, outcome="answered",
                   provider="cache"), hits)  # fmt: skip
        bucket.inc("router", CACHE_LOOKUPS, _labels(result="exact"), round(hits * 0.7))
        bucket.inc("router", CACHE_LOOKUPS, _labels(result="similar"), hits - round(hits * 0.7))
        bucket.inc("router", CACHE_LOOKUPS, _labels(result="miss"), misses)
        failed = 1 if rng.random() < 0.002 * k else 0
        bucket.inc(channel, DELIVERIES, _labels(channel=channel, outcome="sent"), k - failed)
        if failed:
            bucket.inc(channel, DELIVERIES, _labels(channel=channel, outcome="permanent"), 1)
        observed = [
            max(0.05, rng.lognormvariate(math.log(0.6), 0.7))
            for _ in range(min(k, latency_samples))
        ]
        scale = k / len(observed) if observed else 0
        bucket.observe(channel, REPLY_LATENCY, _labels(channel=channel),
                       observed * max(1, round(scale)))  # fmt: skip
        for name, (label,), values in OTHER:
            bucket.inc("router", name, _labels(**{label: rng.choice(values)}), k)
        for _ in range(misses):
            provider = rng.choices(list(PROVIDERS), [s for s, _ in PROVIDERS.values()])[0]
            outcome = "ok"
            roll = rng.random()
            if provider != "offline" and roll < 0.04:
                outcome = "timeout" if roll < 0.01 else "server_error"
            cost = PROVIDERS[provider][1] if outcome == "ok" else 0.0
            calls.append({"created_at": t + rng.random() * 59, "provider": provider,
                          "model": provider, "cost_usd": cost, "latency_s": 0.4,
                          "outcome": outcome, "channel": channel})  # fmt: skip
            bucket.inc("orchestrator", MESSAGES, _labels(channel=channel, outcome="answered",
                       provider=provider), 1)  # fmt: skip


def seed_history(
    engine: Engine,
    *,
    until: float,
    days: int = 30,
    events_per_day: int = 50_000,
    raw_days: int = 14,
    every_minutes: int = 1,
    seed: int = 7,
) -> SeedReport:
    """Write `days` days of history ending at `until` (see the module docstring).

    `every_minutes` > 1 writes raw rows only every that many minutes, each holding that many
    minutes of traffic (a lighter table for tests).
    """
    rng = random.Random(seed)
    first = until - until % DAY - (days - 1) * DAY
    raw_from = until - raw_days * DAY
    samples = calls_written = messages = 0
    per_minute = events_per_day / 1440
    with engine.begin() as conn:
        day = first
        while day < until:
            daily = _Bucket()
            calls: list[dict[str, Any]] = []
            rows: list[dict[str, Any]] = []
            t = day
            while t < min(day + DAY, until):
                n = round(per_minute * every_minutes * _shape(t) * rng.uniform(0.8, 1.2))
                messages += n
                if t >= raw_from:
                    bucket = _Bucket()
                    _traffic(bucket, calls, t=t, n=n, rng=rng, latency_samples=20)
                    rows += bucket.rows(width=MINUTE, start=t)
                else:
                    _traffic(daily, calls, t=t, n=n, rng=rng, latency_samples=3)
                t += MINUTE * every_minutes
            rows += daily.rows(width=DAY, start=day)
            if rows:
                conn.execute(_INSERT_SAMPLE, rows)
            if calls:
                conn.execute(_INSERT_CALL, calls)
            samples += len(rows)
            calls_written += len(calls)
            day += DAY
    return SeedReport(samples=samples, calls=calls_written, messages=messages)
