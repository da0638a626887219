"""Reading the metrics table back: per-series figures over a time range, quantile estimates.

`read_series` folds the rows of ``metrics_samples`` into one `Series` per (service, name,
labels): a counter's increase over the range (its total when the range is open), a
gauge's last value, a histogram's merged buckets. The exporter, ``onebox-metrics show`` and
a dashboard use it alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from . import _store
from .errors import MetricsStoreError


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One series' figures over a time range.

    Attributes:
        value: counter increase, gauge last value, or histogram sum of observations.
        count: histogram observations (None otherwise).
        buckets: histogram cumulative counts per finite upper bound (None otherwise).
        updated_at: when the series was last written.
    """

    service: str
    name: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    value: float = 0.0
    count: int | None = None
    buckets: dict[float, int] | None = None
    updated_at: float = 0.0

    def quantile(self, q: float) -> float | None:
        """The estimated `q`-quantile of a histogram series (None without observations)."""
        if self.buckets is None or not self.count:
            return None
        return estimate_quantile(q, self.buckets, self.count)


def read_series(
    engine: Engine, *, since: float | None = None, until: float | None = None
) -> list[Series]:
    """Every series' figures over the buckets starting in ``[since, until)``.

    Raises:
        MetricsStoreError: the tables cannot be read (for instance, not migrated yet).
    """
    try:
        with engine.connect() as conn:
            rows = _store.read_rows(conn, since=since, until=until)
    except SQLAlchemyError as exc:
        raise MetricsStoreError(f"cannot read the metrics table: {_reason(exc)}") from None
    folded: dict[tuple[str, str, str], _store.Row] = {}
    for row in rows:
        key = (row.service, row.name, row.labels)
        old = folded.get(key)
        folded[key] = row if old is None else _store.merge(old, row)
    return [
        Series(
            service=row.service,
            name=row.name,
            kind=row.kind,
            labels=orjson.loads(row.labels),
            value=row.value,
            count=row.count,
            buckets=None
            if row.buckets is None
            else dict(sorted((float(b), n) for b, n in row.buckets.items())),
            updated_at=row.updated_at,
        )
        for _, row in sorted(folded.items())
    ]


def read_families(engine: Engine) -> dict[str, tuple[str, str]]:
    """Every family ever flushed: name -> (kind, help)."""
    try:
        with engine.connect() as conn:
            return _store.read_families(conn)
    except SQLAlchemyError as exc:
        raise MetricsStoreError(f"cannot read the metrics families: {_reason(exc)}") from None


def last_flush(engine: Engine) -> dict[str, float]:
    """When each service last flushed a row: service -> epoch seconds."""
    try:
        with engine.connect() as conn:
            return _store.last_flush(conn)
    except SQLAlchemyError as exc:
        raise MetricsStoreError(f"cannot read the metrics table: {_reason(exc)}") from None


def estimate_quantile(q: float, buckets: Mapping[float, int], count: int) -> float:
    """Estimate a quantile from cumulative bucket counts, as Prometheus' histogram_quantile.

    Linear interpolation inside the bucket holding the rank; the lowest bucket starts at 0;
    a rank above every finite bound returns the highest finite bound.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q!r}")
    bounds = sorted(buckets.items())
    if count <= 0 or not bounds:
        return math.nan
    rank = q * count
    lower, below = 0.0, 0
    for bound, cumulative in bounds:
        if cumulative >= rank and cumulative > below:
            return lower + (bound - lower) * (rank - below) / (cumulative - below)
        lower, below = bound, cumulative
    return bounds[-1][0]


def _reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or type(exc).__name__)
