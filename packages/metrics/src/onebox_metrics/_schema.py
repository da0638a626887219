"""The metrics tables as SQLAlchemy Core metadata: the source of truth the migrations must match.

``metrics_samples`` holds one row per (service, name, labels, width, start): the figures of
one series over one time bucket ``[start, start + width)``, in epoch seconds (UTC).

- ``kind = 'counter'``: ``value`` is the increase during the bucket (sum of deltas). The
  total of a counter is ``SUM(value)`` over all its rows, and the increase over a range is
  ``SUM(value) WHERE start >= :t0 AND start < :t1``.
- ``kind = 'gauge'``: ``value`` is the last value set during the bucket; ``updated_at``
  says when. The current value is the row with the highest ``start`` (then ``updated_at``).
- ``kind = 'histogram'``: ``value`` is the sum of the observations during the bucket,
  ``count`` their number, and ``buckets`` a JSON object mapping each finite upper bound
  (``"0.05"``) to the cumulative number of observations <= it during the bucket (``+Inf``
  is ``count``). Summing rows bound by bound gives the histogram of any time range, from
  which `onebox_metrics.estimate_quantile` estimates p50 / p95.

``labels`` is the series' labels as canonical JSON (sorted keys, ``{}`` for none), so equal
label sets compare equal as text. ``width`` is the raw bucket (60 s by default); raw rows
older than the retention (14 days by default) are rolled up into one row per series and day
(``width = 86400``), which keeps counter totals and histograms intact and the table small.

``metrics_families`` holds the HELP text and type of every family ever flushed, for the
exporter.
"""

from __future__ import annotations

from onebox_bus import table_metadata
from sqlalchemy import BigInteger, Column, Double, Index, String, Table, Text

metadata = table_metadata()

samples = Table(
    "metrics_samples",
    metadata,
    Column("service", String(100), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("labels", String(2000), primary_key=True),
    Column("width", Double, primary_key=True),
    Column("start", Double, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("value", Double, nullable=False),
    Column("count", BigInteger, nullable=True),
    Column("buckets", Text, nullable=True),
    Column("updated_at", Double, nullable=False),
    Index("ix_metrics_samples_start", "start"),
    Index("ix_metrics_samples_name_start", "name", "start"),
)

families = Table(
    "metrics_families",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("help", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
)
