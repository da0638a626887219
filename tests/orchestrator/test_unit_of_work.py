"""One unit of work across repositories, on SQLite and (when configured) PostgreSQL.

"Publish the reply, record the turns, ack the inbound" is one transaction on one connection:
it commits whole or not at all. The same holds for the sender's "record the delivery, ack".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Bus, Database, LeaseLost, Message
from onebox_bus.testing import FakeClock
from onebox_orchestrator.memory import ConversationMemory
from onebox_service import DeliveryReceipt, DeliveryStore
from sqlalchemy import text


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


def _claim(bus: Bus) -> Message:
    bus.publish("inbound", {"text": "hi"}, key="telegram:1")
    [message] = bus.claim("inbound", consumer="test")
    return message


def _reply_unit(bus: Bus, memory: ConversationMemory, message: Message, *, fail: bool) -> None:
    with bus.db.transaction() as conn:
        bus.publish("outbound.telegram", {"text": "hello"}, dedupe_key=f"reply:{message.id}")
        memory.record(
            conn,
            conversation_key="telegram:1",
            inbound_id=message.id,
            channel="telegram",
            correlation_id=None,
            user_text="hi",
            reply_text="hello",
            provider="fixed",
        )
        bus.ack(message)
        if fail:
            raise RuntimeError("crash before the commit")


def test_reply_turns_and_ack_commit_together_or_not_at_all(db: Database) -> None:
    clock = FakeClock()
    bus = Bus(db, clock=clock)
    memory = ConversationMemory(db, clock=clock)
    message = _claim(bus)

    with pytest.raises(RuntimeError):
        _reply_unit(bus, memory, message, fail=True)
    assert memory.recent("telegram:1") == []
    assert "outbound.telegram" not in bus.stats()
    assert bus.stats()["inbound"].claimed == 1

    _reply_unit(bus, memory, message, fail=False)
    assert [t.text for t in memory.recent("telegram:1")] == ["hi", "hello"]
    assert bus.stats()["outbound.telegram"].ready == 1
    assert bus.stats()["inbound"].done == 1


def test_a_delivery_is_recorded_with_its_ack_and_kept_when_the_lease_was_lost(
    db: Database,
) -> None:
    clock = FakeClock()
    bus = Bus(db, clock=clock)
    deliveries = DeliveryStore(db, clock=clock)
    message = _claim(bus)
    receipt = DeliveryReceipt(platform_message_ids=("p1", "p2"))
    send = {"channel": "telegram", "conversation_id": "1", "correlation_id": "c1"}

    deliveries.record_sent_and_ack(bus, message, receipt=receipt, **send)
    assert bus.stats()["inbound"].done == 1
    assert deliveries.sent_for_message(message.id)

    second = _claim(bus)
    stale = Message(**{**{n: getattr(second, n) for n in Message.__slots__}, "attempt": 0})
    with pytest.raises(LeaseLost):
        deliveries.record_sent_and_ack(
            bus, stale, receipt=DeliveryReceipt(platform_message_ids=("p3",)), **send
        )
    assert deliveries.sent_for_message(second.id)  # kept: whoever holds it will not resend
    with db.transaction() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM service_deliveries")).scalar()
    assert count == 3


def test_the_bus_and_a_store_must_share_the_database(db: Database, db_url: str) -> None:
    if db.kind != "sqlite":
        pytest.skip("one check is enough")
    with Bus.from_url(db_url) as other:
        message = _claim(other)
        with pytest.raises(ValueError, match="share one Database"):
            DeliveryStore(db).record_sent_and_ack(
                other,
                message,
                channel="telegram",
                conversation_id="1",
                correlation_id=None,
                receipt=DeliveryReceipt(platform_message_ids=("p1",)),
            )
