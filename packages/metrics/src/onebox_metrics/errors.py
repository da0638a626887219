"""The metrics package's errors.

::

    MetricsError                  root of everything this package raises on purpose
    ├── MetricDefinitionError     a developer mistake: bad name, labels or buckets, or a family
    │                             declared twice with a different shape (also a ValueError)
    ├── MetricsConfigError        a bad ``ONEBOX_*`` variable of the command line, named
    └── MetricsStoreError         the metrics tables cannot be read or written

Wrong label sets and negative counter increments raise plain `ValueError` on the hot path.
"""

from __future__ import annotations


class MetricsError(Exception):
    """Root of the metrics package's errors."""


class MetricDefinitionError(MetricsError, ValueError):
    """A family was declared wrongly, or redeclared with a different shape."""


class MetricsConfigError(MetricsError):
    """A setting read from the environment is invalid."""


class MetricsStoreError(MetricsError):
    """The metrics tables could not be read or written (missing migration, locked database)."""
