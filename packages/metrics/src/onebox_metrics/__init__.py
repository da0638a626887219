"""onebox-metrics: buffered metrics flushed to the shared database, /metrics, textfile export."""

from .collector import CONTENT_TYPE, Clock, Collector
from .errors import MetricDefinitionError, MetricsConfigError, MetricsError, MetricsStoreError
from .family import DEFAULT_BUCKETS, Counter, Gauge, Histogram

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "Clock",
    "Collector",
    "Counter",
    "Gauge",
    "Histogram",
    "MetricDefinitionError",
    "MetricsConfigError",
    "MetricsError",
    "MetricsStoreError",
]
