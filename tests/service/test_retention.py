"""Retention rules: batched age purges on SQLite and PostgreSQL, and the worker that runs them."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from onebox_bus import Bus, Database
from onebox_bus.retention import DAY, oldest, purge_before
from onebox_bus.testing import FakeClock
from onebox_service import DeliveryReceipt, DeliveryStore, ServiceSettings, WebhookEventStore
from onebox_service.retention import Purge, RetentionWorker, shared_purges
from sqlalchemy import text


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


def _count(db: Database, table: str) -> int:
    return int(db.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def test_old_rows_go_in_batches_and_recent_ones_stay(db: Database) -> None:
    clock = FakeClock()
    events = WebhookEventStore(db, clock=clock)
    for _ in range(25):
        events.record("telegram", "refused", "bad secret", status_code=401)
    clock.advance(31 * DAY)
    events.record("telegram", "refused", "bad secret", status_code=401)
    assert oldest(db, "service_webhook_events", "received_at") == clock() - 31 * DAY
    cutoff = clock() - 30 * DAY
    assert purge_before(db, "service_webhook_events", "received_at", cutoff, batch=10) == 25
    assert _count(db, "service_webhook_events") == 1
    assert oldest(db, "service_webhook_events", "received_at") == clock()


def test_shared_rules_purge_done_messages_but_never_waiting_ones(db: Database) -> None:
    clock = FakeClock()
    bus = Bus(db, clock=clock)
    bus.publish("inbound", {"n": 1})
    bus.publish("inbound", {"n": 2})
    [first] = bus.claim("inbound", limit=1)
    bus.ack(first)
    clock.advance(8 * DAY)  # past the 7 days kept by default
    settings = ServiceSettings()
    deleted = {p.name: p.run() for p in shared_purges(db, settings, clock=clock)}
    assert deleted["bus_messages (done)"] == 1
    assert [m.payload for m in bus.claim("inbound")] == [b'{"n":2}']  # still waiting: kept


def test_a_name_that_is_not_an_identifier_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="not a table/column name"):
        purge_before(db, "bus_messages; DROP TABLE x", "finished_at", 0.0)


@pytest.mark.anyio
async def test_the_worker_purges_at_start_and_keeps_going_when_a_rule_fails() -> None:
    ran: list[str] = []

    def broken() -> int:
        from onebox_bus import BusUnavailable

        ran.append("broken")
        raise BusUnavailable("locked")

    def fine() -> int:
        ran.append("fine")
        return 3

    worker = RetentionWorker(
        [Purge(name="broken", days=1, run=broken), Purge(name="fine", days=1, run=fine)],
        every=3600.0,
        tick=0.01,
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker.run)
        with anyio.fail_after(10):
            while worker.last_deleted != {"fine": 3}:  # noqa: ASYNC110 - polling with a deadline
                await anyio.sleep(0.01)
        worker.stop()
    assert ran == ["broken", "fine"]
    assert not worker.running


def test_delivery_records_are_purged_after_their_own_setting(db: Database) -> None:
    clock = FakeClock()
    deliveries = DeliveryStore(db, clock=clock)
    send = {"channel": "telegram", "conversation_id": "42", "correlation_id": None}
    deliveries.record_sent(receipt=DeliveryReceipt(platform_message_ids=("old",)), **send)
    deliveries.record_failed(error="blocked", **send)
    clock.advance(11 * DAY)
    deliveries.record_sent(receipt=DeliveryReceipt(platform_message_ids=("new",)), **send)
    settings = ServiceSettings(deliveries_retention_days=10)
    rules = {p.name: p for p in shared_purges(db, settings, clock=clock)}
    assert rules["service_deliveries"].days == 10
    assert rules["service_deliveries"].run() == 2
    assert _count(db, "service_deliveries") == 1
    [kept] = db.connection().exec_driver_sql("SELECT platform_message_id FROM service_deliveries")
    assert kept[0] == "new"


def test_the_deliveries_setting_is_read_from_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEBOX_DELIVERIES_RETENTION_DAYS", "3")
    assert ServiceSettings().deliveries_retention_days == 3.0
