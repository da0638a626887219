"""The in-memory side of the collector: declaring families, counting, rendering /metrics."""

from __future__ import annotations

import threading

import pytest
from onebox_metrics import CONTENT_TYPE, Collector, MetricDefinitionError
from prometheus_client.parser import text_string_to_metric_families


def parsed(collector: Collector) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    out: dict[str, list[tuple[str, dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(collector.render().decode()):
        out[family.name] = [(s.name, s.labels, s.value) for s in family.samples]
    return out


def test_declaring_twice_returns_the_same_family() -> None:
    collector = Collector(service="orchestrator")
    first = collector.counter("onebox_requests_total", "Requests.", labels=("channel",))
    again = collector.counter("onebox_requests_total", "Requests.", labels=("channel",))
    assert again is first
    hist = collector.histogram("onebox_latency_seconds", "Latency.", buckets=(0.1, 1.0))
    assert collector.histogram("onebox_latency_seconds", "Latency.", buckets=(1.0, 0.1)) is hist


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda c: c.gauge("onebox_other_total", "x"), "only counters"),
        (lambda c: c.counter("onebox_requests_total", "x", labels=("other",)), "already declared"),
        (lambda c: c.counter("onebox_requests", "x"), "must end with '_total'"),
        (lambda c: c.counter("1bad_total", "x"), "invalid metric name"),
        (lambda c: c.counter("onebox_x_total", "x", labels=("service",)), "reserved"),
        (lambda c: c.counter("onebox_x_total", "x", labels=("a", "a")), "duplicate"),
        (lambda c: c.counter("onebox_x_total", "x", labels="channel"), "not the string"),
        (lambda c: c.counter("onebox_x_total", " "), "needs a help text"),
        (lambda c: c.histogram("onebox_h_seconds", "x", buckets=()), "finite buckets"),
        (lambda c: c.histogram("onebox_lat_seconds", "x", buckets=(0.5,)), "already declared"),
    ],
)
def test_bad_declarations_are_refused_clearly(declare, message: str) -> None:
    collector = Collector(service="svc")
    collector.counter("onebox_requests_total", "Requests.", labels=("channel",))
    collector.histogram("onebox_lat_seconds", "Latency.", buckets=(0.1, 1.0))
    with pytest.raises(MetricDefinitionError, match=message):
        declare(collector)


def test_wrong_labels_and_negative_increments_raise_and_count_nothing() -> None:
    collector = Collector(service="svc")
    c = collector.counter("onebox_requests_total", "Requests.", labels=("channel", "outcome"))
    with pytest.raises(ValueError, match="takes labels"):
        c.inc(channel="telegram")
    with pytest.raises(ValueError, match="takes labels"):
        c.inc(channel="telegram", outcome="ok", extra="x")
    with pytest.raises(ValueError, match="cannot go down"):
        c.inc(-1, channel="telegram", outcome="ok")
    with pytest.raises(ValueError, match="NaN"):
        collector.histogram("onebox_h_seconds", "H.").observe(float("nan"))
    assert parsed(collector)["onebox_requests"] == [
        ("onebox_requests_total", {"channel": "telegram", "outcome": "ok"}, 0.0)
    ]


def test_render_gives_live_figures_in_the_prometheus_format() -> None:
    collector = Collector(service="svc")
    c = collector.counter(
        "onebox_webhook_requests_total", "Webhooks.", labels=("channel", "outcome")
    )
    c.inc(channel="telegram", outcome="accepted")
    c.inc(2, outcome="accepted", channel="telegram")  # any keyword order, same series
    c.inc(channel="whatsapp", outcome='bad "quote"\n')
    g = collector.gauge("onebox_queue_depth", "Waiting.", labels=("topic",))
    g.set(3, topic="inbound")
    g.inc(topic="inbound")
    g.dec(0.5, topic="inbound")
    plain = collector.gauge("onebox_workers", "Workers.")
    plain.inc()
    plain.inc()
    plain.dec()
    h = collector.histogram(
        "onebox_reply_latency_seconds", "Latency.", labels=("channel",), buckets=(0.1, 1.0)
    )
    for value in (0.05, 0.1, 0.5, 3.0):
        h.observe(value, channel="telegram")

    got = parsed(collector)
    assert CONTENT_TYPE.startswith("text/plain; version=")
    assert (
        "onebox_webhook_requests_total",
        {"channel": "telegram", "outcome": "accepted"},
        3.0,
    ) in got["onebox_webhook_requests"]
    assert (
        "onebox_webhook_requests_total",
        {"channel": "whatsapp", "outcome": 'bad "quote"\n'},
        1.0,
    ) in got["onebox_webhook_requests"]
    assert got["onebox_queue_depth"] == [("onebox_queue_depth", {"topic": "inbound"}, 3.5)]
    assert got["onebox_workers"] == [("onebox_workers", {}, 1.0)]
    hist = {(s, lb.get("le")): v for s, lb, v in got["onebox_reply_latency_seconds"]}
    assert hist[("onebox_reply_latency_seconds_bucket", "0.1")] == 2
    assert hist[("onebox_reply_latency_seconds_bucket", "1.0")] == 3
    assert hist[("onebox_reply_latency_seconds_bucket", "+Inf")] == 4
    assert hist[("onebox_reply_latency_seconds_count", None)] == 4
    assert hist[("onebox_reply_latency_seconds_sum", None)] == pytest.approx(3.65)


def test_increments_from_many_threads_are_all_counted() -> None:
    collector = Collector(service="svc")
    c = collector.counter("onebox_hits_total", "Hits.", labels=("worker",))
    h = collector.histogram("onebox_work_seconds", "Work.", buckets=(0.5,))

    def work(n: int) -> None:
        for i in range(20_000):
            c.inc(worker=str(n % 2))
            h.observe(i % 2)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = parsed(collector)
    assert sorted(v for _, _, v in got["onebox_hits"]) == [40_000.0, 40_000.0]
    counts = {s: v for s, lb, v in got["onebox_work_seconds"] if s.endswith("_count")}
    assert counts == {"onebox_work_seconds_count": 80_000.0}


def test_without_an_engine_flush_is_a_no_op() -> None:
    collector = Collector(service="svc")
    collector.counter("onebox_hits_total", "Hits.").inc()
    assert collector.flush() == 0
    collector.close()
    assert parsed(collector)["onebox_hits"][0][2] == 1.0
