"""Alert thresholds on the runtime health metrics, shared by Prometheus rules and the CLI.

They live beside the metrics they read (the families `onebox_service.RuntimeVitals` writes):
no service evaluates them; the rules file, ``onebox status`` and ``onebox doctor`` do.

`runtime_thresholds` is the single list: ``infra/prometheus/runtime.rules.yml`` is generated
from it (`prometheus_rules`; a test keeps the file equal to it), and ``onebox status`` /
``onebox doctor`` evaluate the same numbers for hosts without Prometheus: `current_values`
reads the latest figures from the metrics table and `evaluate_thresholds` turns each into an
``ok`` / ``warn`` / ``fail`` line.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Engine

from .query import Series, read_series

Level = Literal["ok", "warn", "fail"]
Direction = Literal["above", "below"]
#: The window rates and increases are taken over, in the rules and in `current_values`.
WINDOW_SECONDS = 900.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """One watched figure with its warn and fail limits.

    Attributes:
        name: stable short name (``rss_bytes``), the key of `evaluate_thresholds`'s values.
        metric: the metric family the figure comes from.
        measure: ``value`` (a gauge's value), ``rate`` (a counter's increase per second over
            the window) or ``increase`` (a counter's increase over the window).
        direction: ``above`` when a higher value is worse, ``below`` when a lower one is.
        warn: the warn limit; fail: the fail limit (None: never fails).
        unit: for display (``s``, ``bytes``, ``/s``, ``ratio``, ``count``).
        for_seconds: how long the condition must hold before Prometheus fires.
        summary: one line for operators.
        label_filter: PromQL label matchers (``kind="involuntary"``).
        denominator: a gauge the value is divided by (``onebox_process_max_fds``).
    """

    name: str
    metric: str
    measure: Literal["value", "rate", "increase"]
    direction: Direction
    warn: float
    fail: float | None
    unit: str
    for_seconds: int
    summary: str
    label_filter: str = ""
    denominator: str | None = None

    def level(self, value: float) -> Level:
        """``ok``, ``warn`` or ``fail`` for `value`."""

        def crossed(limit: float) -> bool:
            return value > limit if self.direction == "above" else value < limit

        if self.fail is not None and crossed(self.fail):
            return "fail"
        if crossed(self.warn):
            return "warn"
        return "ok"

    def promql(self, limit: float) -> str:
        """The PromQL condition for `limit`."""
        selector = f"{self.metric}{{{self.label_filter}}}" if self.label_filter else self.metric
        window = f"{int(WINDOW_SECONDS // 60)}m"
        if self.measure == "rate":
            expr = f"rate({selector}[{window}])"
        elif self.measure == "increase":
            expr = f"increase({selector}[{window}])"
        else:
            expr = selector
        if self.denominator:
            expr = f"{expr} / {self.denominator}"
        op = ">" if self.direction == "above" else "<"
        return f"{expr} {op} {limit:g}"


_T = Threshold
GIB = 1024**3

THRESHOLDS: tuple[Threshold, ...] = (
    _T(name="gc_pause", metric="onebox_gc_pause_max_seconds", measure="value",
       direction="above", warn=0.1, fail=0.5, unit="s", for_seconds=60,
       summary="a garbage-collection pause stalls every request of the process"),
    _T(name="event_loop_lag", metric="onebox_event_loop_lag_max_seconds", measure="value",
       direction="above", warn=0.1, fail=1.0, unit="s", for_seconds=60,
       summary="something blocks the event loop: requests and watchdog pings wait"),
    _T(name="sqlite_lock_wait", metric="onebox_sqlite_lock_wait_max_seconds", measure="value",
       direction="above", warn=0.5, fail=2.0, unit="s", for_seconds=60,
       summary="writes wait long for the SQLite lock: a long transaction or too many writers"),
    _T(name="sqlite_busy_timeouts", metric="onebox_sqlite_busy_timeouts_total",
       measure="increase", direction="above", warn=0.5, fail=10.0, unit="count", for_seconds=0,
       summary="writes gave up on the SQLite lock (webhooks answered 503)"),
    _T(name="rss_bytes", metric="onebox_process_resident_memory_bytes", measure="value",
       direction="above", warn=2.5 * GIB, fail=3 * GIB, unit="bytes", for_seconds=300,
       summary="the process nears its 3 GB memory cap"),
    _T(name="cpu", metric="onebox_process_cpu_seconds_total", measure="rate",
       direction="above", warn=0.8, fail=0.95, unit="cores", for_seconds=300,
       summary="the process uses most of a core"),
    _T(name="open_fds", metric="onebox_process_open_fds", measure="value",
       direction="above", warn=0.7, fail=0.9, unit="ratio", for_seconds=300,
       denominator="onebox_process_max_fds",
       summary="open files near the descriptor limit"),
    _T(name="involuntary_switches", metric="onebox_process_context_switches_total",
       measure="rate", direction="above", warn=200.0, fail=1000.0, unit="/s", for_seconds=300,
       label_filter='kind="involuntary"',
       summary="the process is preempted often: too much concurrency for the cores"),
    _T(name="provider_quota", metric="onebox_provider_quota_left_ratio", measure="value",
       direction="below", warn=0.2, fail=0.05, unit="ratio", for_seconds=120,
       summary="a provider's per-minute quota is nearly used up"),
    _T(name="provider_budget", metric="onebox_provider_budget_left_ratio", measure="value",
       direction="below", warn=0.2, fail=0.05, unit="ratio", for_seconds=0,
       summary="a provider's monthly budget is nearly spent"),
    _T(name="provider_breaker", metric="onebox_provider_breaker_state", measure="value",
       direction="above", warn=1.5, fail=None, unit="state", for_seconds=0,
       summary="a provider's circuit breaker is open: it is being skipped"),
)  # fmt: skip


def runtime_thresholds() -> tuple[Threshold, ...]:
    """Every runtime threshold (the same numbers the Prometheus rules use)."""
    return THRESHOLDS


def _threshold(key: str) -> Threshold | None:
    name = key.split(":", 1)[0]
    return next((t for t in THRESHOLDS if t.name == name), None)


def _show(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1024**2:.0f} MiB"
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    if unit == "ratio":
        return f"{value * 100:.0f} %"
    return f"{value:.3g}{'' if unit in ('count', 'state') else ' ' + unit}"


def evaluate_thresholds(values: Mapping[str, float]) -> list[tuple[str, Level, str]]:
    """Judge each value against its threshold.

    Args:
        values: figures keyed by threshold name, optionally with a subject after a colon
            (``"rss_bytes:orchestrator"``, ``"provider_quota:groq/requests"``). Unknown names
            are skipped.

    Returns:
        ``(key, level, message)`` for every known key, in the order given.
    """
    out: list[tuple[str, Level, str]] = []
    for key, value in values.items():
        threshold = _threshold(key)
        if threshold is None:
            continue
        level = threshold.level(value)
        limit = threshold.fail if level == "fail" and threshold.fail is not None else threshold.warn
        relation = {"ok": "within", "warn": "past warn", "fail": "past fail"}[level]
        message = f"{_show(value, threshold.unit)} ({relation} {_show(limit, threshold.unit)})"
        if level != "ok":
            message += f": {threshold.summary}"
        out.append((key, level, message))
    return out


def _subject(series: Series) -> str:
    parts = [series.service]
    parts += [series.labels[k] for k in ("provider", "kind") if k in series.labels]
    return "/".join(parts)


def current_values(
    engine: Engine, *, now: float | None = None, window: float = WINDOW_SECONDS
) -> dict[str, float]:
    """The latest figure of every threshold per service (and provider), from the metrics table.

    Gauges give their last value written within the window; counters their increase over it
    (divided by the window for ``rate``). Raises `onebox_metrics.MetricsStoreError` when the
    metrics table cannot be read.
    """
    now = time.time() if now is None else now
    series = read_series(engine, since=now - window)
    by_name: dict[str, list[Series]] = {}
    for s in series:
        by_name.setdefault(s.name, []).append(s)
    values: dict[str, float] = {}
    for t in THRESHOLDS:
        for s in by_name.get(t.metric, []):
            if t.label_filter:
                key, _, want = t.label_filter.partition("=")
                if s.labels.get(key) != want.strip('"'):
                    continue
            value = s.value / window if t.measure == "rate" else s.value
            if t.denominator:
                limit = next(
                    (d.value for d in by_name.get(t.denominator, []) if d.service == s.service),
                    None,
                )
                if not limit:
                    continue
                value /= limit
            values[f"{t.name}:{_subject(s)}"] = value
    return values


def prometheus_rules() -> str:
    """The ``onebox-runtime`` alerting rule group (YAML) for every threshold."""
    lines = ["# Generated from onebox_metrics.thresholds.runtime_thresholds(); keep in sync.",
             "groups:", "  - name: onebox-runtime", "    rules:"]  # fmt: skip
    for t in THRESHOLDS:
        camel = "".join(part.capitalize() for part in t.name.split("_"))
        for severity, limit in (("warning", t.warn), ("critical", t.fail)):
            if limit is None:
                continue
            suffix = "Warning" if severity == "warning" else "Critical"
            lines += [
                f"      - alert: Onebox{camel}{suffix}",
                f"        expr: {t.promql(limit)}",
                f"        for: {t.for_seconds}s",
                "        labels:",
                f"          severity: {severity}",
                f"          threshold: {t.name}",
                "        annotations:",
                f'          summary: "{t.summary}"',
                f'          description: "{t.name} past its {severity} limit {limit:g} on'
                f' {{{{ $labels.instance }}}}"',
            ]
    return "\n".join(lines) + "\n"
