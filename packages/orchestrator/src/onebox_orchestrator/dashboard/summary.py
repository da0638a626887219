"""The dashboard's figures: traffic, speed, cache, spend, queue, dead letters and health.

`SummaryReader.read()` returns one typed `Summary` (`onebox_orchestrator.dashboard.figures`),
served as ``GET /api/summary`` and rendered as the page, so both always show the same numbers.
Everything comes from the shared database (the metrics and router tables, the bus), so it
works with no Prometheus at all:

- per window (last hour in minutes, last day in hours, last 30 days in days): messages in
  (inbound messages the orchestrator settled) and replies out (sends the senders made) per
  channel; reply latency p50 / p95 (webhook received -> reply accepted by the platform, the
  senders' ``onebox_reply_latency_seconds``); cache lookups, hit rate and the money saved
  (hits x the mean cost of a paid provider call in the window, or over 30 days when the
  window had none); calls, failures, timeouts and spend per provider;
- month-to-date spend per provider against its monthly budget;
- queue depth and the oldest waiting message per topic; the dead letters with reasons;
- health: the database, this process's workers, and per service its last metrics write and
  its starts (the ``onebox_process_start_time_seconds`` gauge each process sets once).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from onebox_bus import Bus
from onebox_metrics import Collector
from onebox_metrics.query import estimate_quantile
from sqlalchemy import text
from sqlalchemy.engine import Engine

from .figures import (
    BudgetFigures,
    CacheFigures,
    ChannelFigures,
    DeadLetter,
    DeadLetters,
    HealthFigures,
    LatencyFigures,
    ProviderFigures,
    QueueFigures,
    Series,
    ServiceHealth,
    Summary,
    TopicFigures,
    WindowFigures,
    WorkerState,
)
from .slots import (
    CACHE_LOOKUPS,
    DAY,
    DELIVERIES,
    HOUR,
    MESSAGES,
    MINUTE,
    REPLY_LATENCY,
    Histogram,
    Slot,
    SlotStore,
    merge,
)

START_GAUGE = "onebox_process_start_time_seconds"
#: name -> (label, slot width, number of slots)
WINDOWS: dict[str, tuple[str, float, int]] = {
    "hour": ("last hour", MINUTE, 60),
    "day": ("last 24 hours", HOUR, 24),
    "month": ("last 30 days", DAY, 30),
}
SENT_OUTCOMES = frozenset({"sent", "sandbox"})
FAILED_OUTCOMES = frozenset({"permanent", "undecodable"})
HIT_RESULTS = frozenset({"exact", "similar"})
FREE_PROVIDERS = frozenset({"offline", "cache"})
DEAD_LETTERS_SHOWN = 50

_STARTS_SQL = text(
    "SELECT service, value FROM metrics_samples WHERE name = :name AND start >= :since"
)
#: ``{hint}`` keeps SQLite on the start index (else it walks the whole primary key to group).
_LAST_SEEN_SQL = (
    "SELECT service, MAX(updated_at) FROM metrics_samples{hint} WHERE start >= :since"
    " GROUP BY service"
)


def record_process_start(collector: Collector, started_at: float) -> None:
    """Set this process's start-time gauge, from which the dashboard counts restarts."""
    collector.gauge(START_GAUGE, "When this process started (unix seconds).").set(started_at)


def window_start(name: str, now: float) -> float:
    """Where window `name` begins: its oldest slot's start."""
    _, step, count = WINDOWS[name]
    return now - now % step - (count - 1) * step


def month_start(now: float) -> float:
    """00:00 UTC on the first day of `now`'s month."""
    day = datetime.fromtimestamp(now, UTC)
    return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


class SummaryReader:
    """Reads the dashboard's figures (synchronously: call it from a worker thread).

    Args:
        engine: an engine on the shared database.
        bus: the bus (queue stats, dead letters).
        budgets: each provider's monthly budget in USD (None: no budget).
        workers: this process's worker health (None: not shown).
        clock: the time source.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        bus: Bus,
        budgets: Mapping[str, float | None] | None = None,
        workers: Callable[[], list[WorkerState]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.budgets = dict(budgets or {})
        self.workers = workers
        self.clock = clock
        self.store = SlotStore(engine, clock=clock)

    def read(self) -> Summary:
        """Every figure the dashboard shows."""
        now = self.clock()
        windows: dict[str, WindowFigures] = {}
        slots_of: dict[str, list[Slot]] = {}
        for name, (_, step, count) in WINDOWS.items():
            slots_of[name] = self.store.slots(step, window_start(name, now), count, now=now)
        month_calls = _mean_paid_call(merge(slots_of["month"], start=0.0, step=0.0))
        for name, (label, step, _) in WINDOWS.items():
            windows[name] = _window(label, step, slots_of[name], fallback_price=month_calls)
        return Summary(
            generated_at=round(now, 3),
            windows=windows,
            budgets=self._budgets(now),
            queue=self._queue(),
            dead_letters=self._dead_letters(),
            health=self._health(now),
        )

    def _budgets(self, now: float) -> dict[str, BudgetFigures]:
        first = month_start(now)
        days = int((now - first) // DAY) + 1
        month = merge(self.store.slots(DAY, first, days, now=now), start=first, step=DAY)
        spent: dict[str, float] = {}
        for (provider, _), calls in month.calls.items():
            spent[provider] = spent.get(provider, 0.0) + calls.cost_usd
        result = {}
        for provider in sorted(set(spent) | set(self.budgets)):
            budget = self.budgets.get(provider)
            used = spent.get(provider, 0.0)
            result[provider] = BudgetFigures(
                month_spend_usd=_money(used),
                budget_usd=budget,
                used=None if not budget else round(used / budget, 4),
            )
        return result

    def _queue(self) -> QueueFigures:
        stats = self.bus.stats()
        topics = {
            topic: TopicFigures(
                ready=s.ready,
                claimed=s.claimed,
                dead=s.dead,
                oldest_ready_age_s=round(s.oldest_ready_age_s, 1),
            )
            for topic, s in stats.items()
        }
        return QueueFigures(
            topics=topics,
            waiting=sum(s.ready + s.claimed for s in stats.values()),
            oldest_ready_age_s=round(
                max((s.oldest_ready_age_s for s in stats.values()), default=0.0), 1
            ),
        )

    def _dead_letters(self) -> DeadLetters:
        total = sum(s.dead for s in self.bus.stats().values())
        items = [
            DeadLetter(
                id=d.id,
                topic=d.topic,
                error=(d.error or "")[:300],
                attempts=d.attempts,
                created_at=round(d.created_at, 3),
                finished_at=None if d.finished_at is None else round(d.finished_at, 3),
                correlation_id=d.correlation_id,
            )
            for d in self.bus.dead_letters(limit=DEAD_LETTERS_SHOWN)
        ]
        return DeadLetters(count=total, items=items)

    def _health(self, now: float) -> HealthFigures:
        database_ok = True
        seen: dict[str, float]
        try:
            with self.engine.connect() as conn:
                starts = list(
                    conn.execute(_STARTS_SQL, {"name": START_GAUGE, "since": now - 31 * DAY})
                )
                hint = (
                    " INDEXED BY ix_metrics_samples_start" if conn.dialect.name == "sqlite" else ""
                )
                query = text(_LAST_SEEN_SQL.format(hint=hint))
                seen = dict(conn.execute(query, {"since": now - HOUR}).all())
        except Exception:  # noqa: BLE001 - a database that cannot answer is what health reports
            database_ok, starts, seen = False, [], {}
        services: dict[str, ServiceHealth] = {}
        for service in sorted({s for s, _ in starts} | set(seen)):
            times = sorted({float(v) for s, v in starts if s == service})
            services[service] = ServiceHealth(
                last_seen=None if service not in seen else round(float(seen[service]), 3),
                last_start=times[-1] if times else None,
                starts={
                    name: sum(1 for t in times if t >= window_start(name, now)) for name in WINDOWS
                },
            )
        workers = self.workers() if self.workers is not None else []
        ok = database_ok and all(w.alive for w in workers)
        return HealthFigures(
            status="ok" if ok else "unhealthy",
            database_ok=database_ok,
            workers=workers,
            services=services,
        )


_LABELS: dict[str, dict[str, str]] = {}


def _labels(raw: str) -> dict[str, str]:
    found = _LABELS.get(raw)
    if found is None:
        found = _LABELS[raw] = orjson.loads(raw)
    return found


def _money(usd: float) -> float:
    return round(usd, 6)


def _ratio(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(part / whole, 4)


def _quantile(q: float, hist: Histogram | None) -> float | None:
    if hist is None or hist.count <= 0:
        return None
    value = estimate_quantile(q, hist.buckets, hist.count)
    return None if math.isnan(value) else round(value, 4)


def _mean_paid_call(slot: Slot) -> float | None:
    count, cost = 0, 0.0
    for (provider, outcome), calls in slot.calls.items():
        if outcome == "ok" and provider not in FREE_PROVIDERS:
            count += calls.count
            cost += calls.cost_usd
    return cost / count if count else None


@dataclass(slots=True)
class _Figures:
    messages_in: dict[str, float]
    replies_out: dict[str, float]
    failed: dict[str, float]
    hits: float
    lookups: float
    latency: Histogram | None


def _figures(slot: Slot) -> _Figures:
    f = _Figures(messages_in={}, replies_out={}, failed={}, hits=0.0, lookups=0.0, latency=None)
    for (name, raw), value in slot.counters.items():
        labels = _labels(raw)
        if name == MESSAGES:
            channel = labels.get("channel", "unknown")
            f.messages_in[channel] = f.messages_in.get(channel, 0.0) + value
        elif name == DELIVERIES:
            channel, outcome = labels.get("channel", "unknown"), labels.get("outcome", "")
            if outcome in SENT_OUTCOMES:
                f.replies_out[channel] = f.replies_out.get(channel, 0.0) + value
            elif outcome in FAILED_OUTCOMES:
                f.failed[channel] = f.failed.get(channel, 0.0) + value
        elif name == CACHE_LOOKUPS:
            result = labels.get("result", "")
            if result in HIT_RESULTS:
                f.hits += value
                f.lookups += value
            elif result == "miss":
                f.lookups += value
    for (name, _), hist in slot.histograms.items():
        if name == REPLY_LATENCY:
            if f.latency is None:
                f.latency = Histogram()
            f.latency.add(hist)
    return f


@dataclass(slots=True)
class _ProviderTally:
    calls: int = 0
    failures: int = 0
    timeouts: int = 0
    spend_usd: float = 0.0


def _window(
    label: str, step: float, slots: list[Slot], *, fallback_price: float | None
) -> WindowFigures:
    total = merge(slots, start=slots[0].start, step=step * len(slots))
    f = _figures(total)
    price = _mean_paid_call(total)
    price = fallback_price if price is None else price
    tallies: dict[str, _ProviderTally] = {}
    for (provider, outcome), calls in sorted(total.calls.items()):
        tally = tallies.setdefault(provider, _ProviderTally())
        tally.calls += calls.count
        tally.spend_usd = _money(tally.spend_usd + calls.cost_usd)
        if outcome != "ok":
            tally.failures += calls.count
        if outcome == "timeout":
            tally.timeouts += calls.count
    providers = {
        name: ProviderFigures(
            calls=t.calls, failures=t.failures, timeouts=t.timeouts, spend_usd=t.spend_usd
        )
        for name, t in tallies.items()
    }
    channels = sorted(set(f.messages_in) | set(f.replies_out) | set(f.failed))
    series = [_figures(s) for s in slots]
    return WindowFigures(
        label=label,
        step_s=step,
        from_=slots[0].start,
        channels={
            c: ChannelFigures(
                in_=int(f.messages_in.get(c, 0)),
                out=int(f.replies_out.get(c, 0)),
                failed=int(f.failed.get(c, 0)),
            )
            for c in channels
        },
        messages_in=int(sum(f.messages_in.values())),
        replies_out=int(sum(f.replies_out.values())),
        latency=LatencyFigures(
            p50_s=_quantile(0.5, f.latency),
            p95_s=_quantile(0.95, f.latency),
            count=0 if f.latency is None else f.latency.count,
        ),
        cache=CacheFigures(
            lookups=int(f.lookups),
            hits=int(f.hits),
            hit_rate=_ratio(f.hits, f.lookups),
            call_price_usd=None if price is None else _money(price),
            saved_usd=_money(f.hits * (price or 0.0)),
        ),
        providers=providers,
        spend_usd=_money(sum(p.spend_usd for p in providers.values())),
        series=Series(
            t=[s.start for s in slots],
            in_=[int(sum(x.messages_in.values())) for x in series],
            out=[int(sum(x.replies_out.values())) for x in series],
            p50_s=[_quantile(0.5, x.latency) for x in series],
            p95_s=[_quantile(0.95, x.latency) for x in series],
            hit_rate=[_ratio(x.hits, x.lookups) for x in series],
            spend_usd=[_money(sum(c.cost_usd for c in s.calls.values())) for s in slots],
        ),
    )
