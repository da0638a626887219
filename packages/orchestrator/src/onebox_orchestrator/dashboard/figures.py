"""The dashboard's figures as typed values: what `SummaryReader.read` returns and the page shows.

One `Summary` is both the page (rendered from its attributes) and ``GET /api/summary``
(`Summary.as_json`), so the two always show the same numbers. Field names are the JSON keys,
except that a trailing underscore is dropped (``in_`` is ``"in"``, ``from_`` is ``"from"``).
Mappings keep the order they were built in (windows: hour, day, month; the rest sorted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Literal, TypeAlias

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelFigures:
    """One channel's messages in, replies out and failed sends in a window."""

    in_: int
    out: int
    failed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyFigures:
    """Reply latency (webhook received to reply accepted): quantiles in seconds, sample count."""

    p50_s: float | None
    p95_s: float | None
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheFigures:
    """Cache lookups and hits, and the money the hits saved (hits x a paid call's mean price)."""

    lookups: int
    hits: int
    hit_rate: float | None
    call_price_usd: float | None
    saved_usd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderFigures:
    """One provider's calls, failures, timeouts and spend in a window."""

    calls: int
    failures: int
    timeouts: int
    spend_usd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """A window's figures per slot, for the charts (``t``: each slot's start)."""

    t: Sequence[float]
    in_: Sequence[int]
    out: Sequence[int]
    p50_s: Sequence[float | None]
    p95_s: Sequence[float | None]
    hit_rate: Sequence[float | None]
    spend_usd: Sequence[float]


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowFigures:
    """Everything the dashboard shows for one window (last hour, day or 30 days)."""

    label: str
    step_s: float
    from_: float
    channels: Mapping[str, ChannelFigures]
    messages_in: int
    replies_out: int
    latency: LatencyFigures
    cache: CacheFigures
    providers: Mapping[str, ProviderFigures]
    spend_usd: float
    series: Series


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetFigures:
    """A provider's month-to-date spend against its monthly budget (``used``: the share)."""

    month_spend_usd: float
    budget_usd: float | None
    used: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicFigures:
    """One topic's queue: waiting, in progress, dead, and the oldest waiting message's age."""

    ready: int
    claimed: int
    dead: int
    oldest_ready_age_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFigures:
    """The queue per topic, and over all topics."""

    topics: Mapping[str, TopicFigures]
    waiting: int
    oldest_ready_age_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """One dead letter as shown (its error cut to 300 characters)."""

    id: int
    topic: str
    error: str
    attempts: int
    created_at: float
    finished_at: float | None
    correlation_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetters:
    """How many dead letters there are, and the newest ones."""

    count: int
    items: Sequence[DeadLetter]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerState:
    """One worker of this process: alive, running, and how long since its loop went round."""

    name: str
    alive: bool
    running: bool
    last_loop_age_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceHealth:
    """A service's last metrics write, last start and starts per window."""

    last_seen: float | None
    last_start: float | None
    starts: Mapping[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthFigures:
    """The database, this process's workers and every service that wrote metrics."""

    status: Literal["ok", "unhealthy"]
    database_ok: bool
    workers: Sequence[WorkerState]
    services: Mapping[str, ServiceHealth]


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Every figure the dashboard shows."""

    generated_at: float
    windows: Mapping[str, WindowFigures]
    budgets: Mapping[str, BudgetFigures]
    queue: QueueFigures
    dead_letters: DeadLetters
    health: HealthFigures

    def as_json(self) -> dict[str, JsonValue]:
        """The summary as ``GET /api/summary`` serves it."""
        value = as_json(self)
        assert isinstance(value, dict)
        return value


def as_json(value: object) -> JsonValue:
    """`value` (figures, mappings, sequences, numbers, text) as JSON-able data."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): as_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"not a summary value: {type(value).__name__}")
