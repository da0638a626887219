"""The thresholds ``onebox status`` / ``doctor`` show: the same numbers as the alert rules."""

from __future__ import annotations

import time

from onebox_bus import Database
from onebox_metrics import Collector, current_values, evaluate_thresholds, runtime_thresholds
from onebox_service import RuntimeVitals


def test_levels_follow_the_limits_in_both_directions() -> None:
    lines = evaluate_thresholds(
        {
            "rss_bytes:orchestrator": 100 * 1024**2,
            "rss_bytes:telegram": 2.7 * 1024**3,
            "rss_bytes:whatsapp": 3.2 * 1024**3,
            "provider_quota:orchestrator/groq/requests": 0.5,
            "provider_quota:orchestrator/groq/tokens": 0.1,
            "provider_quota:orchestrator/claude/tokens": 0.01,
            "provider_breaker:orchestrator/groq": 2.0,
            "not_a_threshold": 1.0,
        }
    )
    levels = {key: level for key, level, _ in lines}
    assert levels == {
        "rss_bytes:orchestrator": "ok",
        "rss_bytes:telegram": "warn",
        "rss_bytes:whatsapp": "fail",
        "provider_quota:orchestrator/groq/requests": "ok",
        "provider_quota:orchestrator/groq/tokens": "warn",
        "provider_quota:orchestrator/claude/tokens": "fail",
        "provider_breaker:orchestrator/groq": "warn",
    }
    message = dict((k, m) for k, _, m in lines)["rss_bytes:whatsapp"]
    assert "3277 MiB" in message
    assert "past fail" in message
    assert "memory cap" in message


def test_every_threshold_has_a_warn_below_its_fail() -> None:
    for t in runtime_thresholds():
        assert t.fail is None or (t.warn < t.fail if t.direction == "above" else t.warn > t.fail)


def test_current_values_come_from_the_metrics_table(db_url: str) -> None:
    db = Database(db_url)
    try:
        collector = Collector("orchestrator", db)
        vitals = RuntimeVitals(collector)
        vitals.lock_wait(2.5, False)
        vitals.lock_wait(5.0, True)
        vitals.sample()
        collector.flush()
        values = current_values(db.engine, now=time.time())
    finally:
        db.close()
    assert values["sqlite_lock_wait:orchestrator"] == 5.0
    assert values["sqlite_busy_timeouts:orchestrator"] == 1.0
    assert 0 < values["open_fds:orchestrator"] < 0.7
    assert values["rss_bytes:orchestrator"] > 0
    levels = {key: level for key, level, _ in evaluate_thresholds(values)}
    assert levels["sqlite_lock_wait:orchestrator"] == "fail"
    assert levels["sqlite_busy_timeouts:orchestrator"] == "warn"
    assert levels["rss_bytes:orchestrator"] == "ok"
