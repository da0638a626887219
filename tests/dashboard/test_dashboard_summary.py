"""The summary's figures against direct sums of the tables, cold and with kept slots."""

from __future__ import annotations

from typing import Any

from onebox_bus import Bus, Database
from onebox_bus.testing import FakeClock
from onebox_orchestrator.dashboard import SummaryReader, seed_history, window_start
from sqlalchemy import text

NOW = 1_800_000_000.0 + 13 * 3600 + 17 * 60 + 20


def sql_sum(db: Any, sql: str, **params: Any) -> float:
    with db.engine.connect() as conn:
        return float(conn.execute(text(sql), params).scalar() or 0.0)


def test_windows_match_the_tables_and_kept_slots_match_a_cold_read(db_url: str) -> None:
    db = Database(db_url)
    clock = FakeClock(NOW)
    report = seed_history(db.engine, until=NOW, days=30, events_per_day=3000, raw_days=2,
                          every_minutes=20)  # fmt: skip
    assert report.samples > 0
    assert report.calls > 0
    with Bus.from_url(db_url, clock=clock) as bus:
        warm = SummaryReader(db.engine, bus=bus, budgets={"groq": 5.0}, clock=clock)
        first = warm.read()
        for name in ("hour", "day", "month"):
            since = window_start(name, NOW)
            expected_in = sql_sum(
                db,
                "SELECT SUM(value) FROM metrics_samples WHERE name ="
                " 'onebox_orchestrator_messages_total' AND start >= :s",
                s=since,
            )
            expected_spend = sql_sum(
                db, "SELECT SUM(cost_usd) FROM router_calls WHERE created_at >= :s", s=since
            )
            window = first.windows[name]
            assert window.messages_in == int(expected_in)
            assert abs(window.spend_usd - expected_spend) < 1e-4
            assert len(window.series.t) == {"hour": 60, "day": 24, "month": 30}[name]
        month = first.windows["month"]
        assert month.messages_in > 0
        assert month.cache.hit_rate is not None
        assert 0.7 < month.cache.hit_rate < 0.95
        assert month.cache.saved_usd > 0
        assert month.latency.p50_s is not None
        assert month.latency.p95_s is not None
        assert month.latency.p50_s < month.latency.p95_s
        assert month.providers["groq"].timeouts > 0
        assert first.budgets["groq"].budget_usd == 5.0
        reads = warm.store.reads
        assert warm.read().windows == first.windows
        assert warm.store.reads - reads < 10, "completed slots are read once"
        clock.advance(2 * 3600)
        cold = SummaryReader(db.engine, bus=bus, budgets={"groq": 5.0}, clock=clock)
        assert warm.read().windows == cold.read().windows
    db.close()
