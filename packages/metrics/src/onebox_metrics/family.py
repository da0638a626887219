"""Metric families: counters, gauges and histograms with labels, kept in memory.

A family holds one *cell* (a small list) per label set. The hot path looks the cell up by
the keyword arguments as given (a dict hit in the common case), then changes it under the
family's lock, so increments are safe from threads and from asyncio tasks alike. The
collector reads a consistent copy of every cell under the same lock when it flushes.

Invariants:
- counters only go up: `Counter.inc` refuses a negative amount;
- a cell is never removed, so a figure counted once is flushed and rendered until exit;
- label values are strings (other values are converted with ``str``) and every declared
  label must be given, no other.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Literal

import orjson

from .errors import MetricDefinitionError

Kind = Literal["counter", "gauge", "histogram"]
LabelKey = tuple[str, ...]

NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Labels the exporter adds itself (``service``) or the format reserves (``le``).
RESERVED_LABELS = frozenset({"service", "le", "quantile"})
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


def check_name(name: str, kind: Kind) -> str:
    """Return `name` if it is a valid family name for `kind`, else raise `MetricDefinitionError`."""
    if not isinstance(name, str) or not NAME_RE.match(name) or name.startswith("__"):
        raise MetricDefinitionError(f"invalid metric name {name!r}: use [a-zA-Z_:][a-zA-Z0-9_:]*")
    if kind == "counter" and not name.endswith("_total"):
        raise MetricDefinitionError(f"counter {name!r} must end with '_total'")
    if kind != "counter" and name.endswith("_total"):
        raise MetricDefinitionError(f"only counters end with '_total', not the {kind} {name!r}")
    if kind == "histogram" and name.endswith(("_bucket", "_count", "_sum")):
        raise MetricDefinitionError(f"histogram {name!r} must not end with _bucket/_count/_sum")
    return name


def check_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """The label names as a tuple, checked for syntax, reserved names and duplicates."""
    if isinstance(labels, str):
        raise MetricDefinitionError(
            f"labels must be a sequence of names, not the string {labels!r}"
        )
    names = tuple(labels)
    for label in names:
        if not isinstance(label, str) or not LABEL_RE.match(label) or label.startswith("__"):
            raise MetricDefinitionError(f"invalid label name {label!r}")
        if label in RESERVED_LABELS:
            raise MetricDefinitionError(f"label name {label!r} is reserved")
    if len(set(names)) != len(names):
        raise MetricDefinitionError(f"duplicate label names in {names!r}")
    return names


class Family:
    """What every family shares: name, help, label names, cells and the lock guarding them."""

    kind: Kind = "counter"

    def __init__(self, name: str, help: str, labels: Sequence[str]) -> None:
        if not isinstance(help, str) or not help.strip():
            raise MetricDefinitionError(f"metric {name!r} needs a help text")
        self.name = check_name(name, self.kind)
        self.help = help
        self.labelnames = check_labels(labels)
        self._lock = threading.Lock()
        self._series: dict[LabelKey, list[float]] = {}  # label values -> cell
        self._cells: dict[tuple[tuple[str, object], ...], list[float]] = {}  # kwargs -> cell
        self._labels_json: dict[LabelKey, str] = {}

    def _new_cell(self) -> list[float]:
        return [0.0]

    def _cell(self, labels: dict[str, object]) -> list[float]:
        """Slow path: check the label set, then find or create its cell."""
        if len(labels) != len(self.labelnames) or set(labels) != set(self.labelnames):
            raise ValueError(
                f"{self.name!r} takes labels {list(self.labelnames)!r}, got {sorted(labels)!r}"
            )
        key = tuple(str(labels[n]) for n in self.labelnames)
        with self._lock:
            cell = self._series.get(key)
            if cell is None:
                cell = self._series[key] = self._new_cell()
                self._labels_json[key] = orjson.dumps(
                    dict(zip(self.labelnames, key, strict=True)), option=orjson.OPT_SORT_KEYS
                ).decode()
            self._cells[tuple(labels.items())] = cell
        return cell

    def snapshot(self) -> dict[LabelKey, list[float]]:
        """A consistent copy of every cell, keyed by label values."""
        with self._lock:
            return {key: cell.copy() for key, cell in self._series.items()}

    def labels_json(self, key: LabelKey) -> str:
        """The canonical JSON of a series' labels (sorted keys), as stored in the table."""
        return self._labels_json[key]

    def same_shape(self, kind: Kind, labels: Sequence[str], buckets: Sequence[float]) -> bool:
        """Whether a second declaration matches this family."""
        return kind == self.kind and tuple(labels) == self.labelnames

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} labels={list(self.labelnames)!r}>"


class Counter(Family):
    """A monotonically increasing count (``inc``), flushed as per-bucket increases."""

    kind: Kind = "counter"

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        """Add `amount` (default 1, never negative) to the series named by `labels`."""
        cell = self._cells.get(tuple(labels.items()))
        if cell is None:
            cell = self._cell(labels)
        if amount < 0:
            raise ValueError(f"counter {self.name!r} cannot go down (amount={amount!r})")
        with self._lock:
            cell[0] += amount


class Gauge(Family):
    """A value that goes up and down (``set``, ``inc``, ``dec``); the last value is flushed."""

    kind: Kind = "gauge"

    def set(self, value: float, **labels: object) -> None:
        """Set the series named by `labels` to `value`."""
        cell = self._cells.get(tuple(labels.items()))
        if cell is None:
            cell = self._cell(labels)
        value = float(value)
        with self._lock:
            cell[0] = value

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        """Add `amount` (default 1) to the series named by `labels`."""
        cell = self._cells.get(tuple(labels.items()))
        if cell is None:
            cell = self._cell(labels)
        with self._lock:
            cell[0] += amount

    def dec(self, amount: float = 1.0, **labels: object) -> None:
        """Subtract `amount` (default 1) from the series named by `labels`."""
        self.inc(-amount, **labels)


class Histogram(Family):
    """Observations counted into fixed buckets, plus their sum and count.

    A cell is ``[sum, n_0, ..., n_k]`` where ``n_i`` counts observations in bucket ``i``
    (``<= bounds[i]`` and above the previous bound) and ``n_k`` those above every bound.
    """

    kind: Kind = "histogram"

    def __init__(
        self, name: str, help: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> None:
        super().__init__(name, help, labels)
        bounds = tuple(sorted(float(b) for b in buckets if not math.isinf(float(b))))
        if not bounds or len(set(bounds)) != len(bounds) or any(math.isnan(b) for b in bounds):
            raise MetricDefinitionError(f"histogram {name!r} needs distinct finite buckets")
        self.bounds = bounds

    def _new_cell(self) -> list[float]:
        return [0.0] * (len(self.bounds) + 2)

    def observe(self, value: float, **labels: object) -> None:
        """Count one observation of `value` in the series named by `labels`."""
        cell = self._cells.get(tuple(labels.items()))
        if cell is None:
            cell = self._cell(labels)
        if value != value:  # NaN would land in the first bucket silently
            raise ValueError(f"histogram {self.name!r} cannot observe NaN")
        i = bisect_left(self.bounds, value) + 1
        with self._lock:
            cell[i] += 1
            cell[0] += value

    def same_shape(self, kind: Kind, labels: Sequence[str], buckets: Sequence[float]) -> bool:
        """Whether a second declaration matches this family, buckets included."""
        wanted = tuple(sorted(float(b) for b in buckets if not math.isinf(float(b))))
        return super().same_shape(kind, labels, buckets) and wanted == self.bounds

    def cumulative(self, cell: Sequence[float]) -> tuple[dict[str, int], int]:
        """A cell's cumulative counts per finite bound (``{"0.05": n}``) and total count."""
        out: dict[str, int] = {}
        running = 0
        for bound, n in zip(self.bounds, cell[1:], strict=False):
            running += int(n)
            out[format_bound(bound)] = running
        return out, running + int(cell[-1])


def format_bound(bound: float) -> str:
    """A bucket bound as Prometheus writes it (``0.05``, ``1.0``, ``+Inf``)."""
    if math.isinf(bound):
        return "+Inf"
    return repr(float(bound))
