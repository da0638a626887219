"""onebox-metrics: buffered metrics flushed to the shared database, /metrics, textfile export."""

from .collector import CONTENT_TYPE, Clock, Collector
from .errors import MetricDefinitionError, MetricsConfigError, MetricsError, MetricsStoreError
from .family import DEFAULT_BUCKETS, Counter, Gauge, Histogram
from .thresholds import (
    Threshold,
    current_values,
    evaluate_thresholds,
    prometheus_rules,
    runtime_thresholds,
)

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
    "Threshold",
    "current_values",
    "evaluate_thresholds",
    "prometheus_rules",
    "runtime_thresholds",
]
