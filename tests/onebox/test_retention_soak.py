"""Soak with an accelerated clock: 30 days of traffic, and the database stops growing.

Every day (a `FakeClock` day) carries the shape of 50,000 events/day scaled down 250 times:
inbound messages published, claimed and acked, refused webhooks recorded, a journal of
three steps per message, router call records, cache answers with a one-day life, two turns
per message and hourly metrics flushes. The orchestrator's retention rules (the ones its
worker runs every hour) run at each simulated hour's end. Retention is shortened to 4 days
(everything else as shipped) so the 30 days cover several horizons.

After the horizon every table's row count stays bounded by what four days bring, the
file stops growing (purged pages are reused by the next inserts, no VACUUM), and so does the
resident memory of the process doing all of it (read from /proc at the end of each day and
printed with the rows; run with -s to see them).
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from onebox_bus import Bus, Database, Publish
from onebox_bus.testing import FakeClock, migrated_sqlite
from onebox_metrics import Collector
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.questions import QuestionGroups
from onebox_orchestrator.retention import all_purges
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_router.cache import ResponseCache, namespace
from onebox_router.ledger import CallRecord, Ledger
from onebox_service import DeliveryReceipt, DeliveryStore, MessageJournal, WebhookEventStore
from onebox_service.retention import run_purges
from sqlalchemy import text

DAYS = 30
PER_DAY = 50_000 // 250  # the production shape, scaled down
HOURS = 24
RETENTION_DAYS = 4.0
TABLES = (
    "bus_messages", "service_webhook_events", "service_events", "metrics_samples",
    "orchestrator_turns", "orchestrator_conversations", "orchestrator_question_groups",
    "router_calls", "router_cache", "service_deliveries",
)  # fmt: skip
PAGE = os.sysconf("SC_PAGE_SIZE")
NS = namespace("You are Casa Verde's assistant.", "simple", "v1")


def _counts(db: Database) -> dict[str, int]:
    conn = db.connection()
    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in TABLES}


def _rss_bytes() -> int:
    """This process's resident memory now (not its peak)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE


def _file_bytes(db: Database, path: Path) -> int:
    db.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return os.path.getsize(path)


@pytest.mark.slow
def test_thirty_days_of_traffic_leave_the_rows_and_the_file_flat(tmp_path: Path) -> None:
    path = tmp_path / "onebox.db"
    clock = FakeClock(start=1_800_000_000.0)
    settings = OrchestratorSettings().model_copy(
        update={  # shortened horizon (model_copy skips the 32-day floor of router calls)
            "database_url": migrated_sqlite(path),
            "bus_done_retention_days": RETENTION_DAYS,
            "webhook_events_retention_days": RETENTION_DAYS,
            "events_retention_days": RETENTION_DAYS,
            "metrics_samples_retention_days": RETENTION_DAYS,
            "history_retention_days": RETENTION_DAYS,
            "router_calls_retention_days": RETENTION_DAYS,
            "deliveries_retention_days": RETENTION_DAYS,
            "retention_batch_rows": 200,
        }
    )
    db = Database(settings.database_url)
    bus = Bus(db, clock=clock)
    events = WebhookEventStore(db, clock=clock)
    journal = MessageJournal("orchestrator", db, clock=clock, retention=1e9)  # purged by rule
    ledger = Ledger(db)
    deliveries = DeliveryStore(db, clock=clock)
    cache = ResponseCache(db, clock=clock, ttl_s=86400.0)
    memory = ConversationMemory(db, clock=clock)
    questions = QuestionGroups(db, clock=clock)
    collector = Collector("orchestrator", db, clock=clock)
    replies = collector.counter("soak_replies_total", "replies", ["channel"])
    purges = all_purges(db, settings, clock=clock, cache=cache)
    per_hour = PER_DAY // HOURS + 1
    seq = 0
    daily: list[tuple[dict[str, int], int]] = []
    rss: list[int] = []
    try:
        for _day in range(DAYS):
            for _hour in range(HOURS):
                batch = []
                for _ in range(per_hour):
                    seq += 1
                    key, cid = f"telegram:{seq % 97}-{_day}", f"c{seq}"  # new chats daily
                    payload = orjson.dumps({"n": seq})
                    batch.append(
                        Publish(topic="inbound", payload=payload, key=key, correlation_id=cid)
                    )
                bus.publish_many(batch)
                while claimed := bus.claim("inbound", limit=100, consumer="soak"):
                    bus.ack_many(claimed)
                    with db.transaction() as conn:
                        for m in claimed:
                            asked = f"Can I order {m.id % 20} pots on day {_day}?"
                            group = questions.assign(conn, asked) if m.id % 7 == 0 else None
                            memory.record(
                                conn, conversation_key=m.key or "", inbound_id=m.id,
                                channel="telegram", correlation_id=m.correlation_id,
                                user_text=asked, reply_text="an answer",
                                provider="groq", question_group=group,
                            )  # fmt: skip
                    for m in claimed:
                        for step in ("received", "claimed", "sent"):
                            journal.record(m.correlation_id, step)
                    ledger.record([
                        CallRecord(created_at=clock(), provider="groq", model="m",
                                   message_class="simple", correlation_id=m.correlation_id)
                        for m in claimed
                    ])  # fmt: skip
                    replies.inc(len(claimed), channel="telegram")
                    for m in claimed:
                        deliveries.record_sent(
                            channel="telegram", conversation_id=m.key or "",
                            correlation_id=m.correlation_id, bus_message_id=m.id,
                            receipt=DeliveryReceipt(platform_message_ids=(str(m.id),)),
                        )  # fmt: skip
                journal.flush()
                events.record("telegram", "refused", "bad secret", status_code=401)
                cache.store_many([(NS, f"Do you open at {seq % 500} on day {_day}?", "Yes.",
                                   "groq", "m")])  # fmt: skip
                cache.lookup(NS, f"Do you open at {seq % 500} on day {_day}, please?")
                collector.flush()
                clock.advance(3600.0)
                run_purges(purges)
            daily.append((_counts(db), _file_bytes(db, path)))
            rss.append(_rss_bytes())
    finally:
        db.close()

    for day, ((counts, size), resident) in enumerate(zip(daily, rss, strict=True), 1):
        print(  # shown with -s
            f"day {day:2}: {size / 1024:8.0f} KiB file, {resident / 2**20:6.1f} MiB RSS "
            + " ".join(f"{t}={n}" for t, n in counts.items())
        )
    horizon = int(RETENTION_DAYS) + 2  # past the horizon, with a day for the last purge
    after = daily[horizon:]
    for table in TABLES:
        settled = [counts[table] for counts, _ in after]
        assert max(settled) <= daily[horizon][0][table] * 1.1 + 50, (table, settled)
        assert max(settled) > 0, table  # the soak really wrote to it
    assert daily[-1][0]["bus_messages"] <= (RETENTION_DAYS + 1) * PER_DAY * 1.1
    assert cache.indexed <= 2 * HOURS  # the in-memory index holds live answers only
    sizes = [size for _, size in after]
    assert max(sizes) <= sizes[0] * 1.15, sizes  # pages reused: the file stops growing
    assert daily[-1][1] < daily[horizon][1] * (DAYS / horizon) / 2  # unlike the rows written
    # Resident memory flat too: what grows with the days (the router's in-memory index, the
    # buffers) is bounded by the horizon. Allocator noise gets a few MiB.
    settled_rss = rss[horizon:]
    assert max(settled_rss) <= settled_rss[0] * 1.05 + 8 * 2**20, [r // 2**20 for r in rss]
