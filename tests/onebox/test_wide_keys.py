"""Key columns hold real platform ids: a 500-character id is stored and found on PostgreSQL.

Before the widening revisions these columns were ``VARCHAR(200)`` and PostgreSQL refused the
row (SQLite ignores the length, so only the PostgreSQL half could fail).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_agent_whatsapp.window import ConversationWindows
from onebox_bus import Bus, Database
from onebox_bus.testing import FakeClock
from onebox_orchestrator.handoffs import HandoffStore
from onebox_orchestrator.memory import ConversationMemory
from onebox_service import DeliveryReceipt, DeliveryStore

LONG = "x" * 500


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


def test_a_500_character_dedupe_key_and_message_key_are_stored_once(db: Database) -> None:
    bus = Bus(db, clock=FakeClock())
    first = bus.publish("inbound", {"text": "hi"}, key=f"whatsapp:{LONG}", dedupe_key=LONG)
    again = bus.publish("inbound", {"text": "hi"}, key=f"whatsapp:{LONG}", dedupe_key=LONG)
    [message] = bus.claim("inbound", consumer="test")
    assert again == first == message.id
    assert message.key == f"whatsapp:{LONG}"


def test_a_500_character_conversation_id_is_remembered_delivered_and_windowed(
    db: Database,
) -> None:
    clock = FakeClock()
    memory = ConversationMemory(db, clock=clock)
    with db.transaction() as conn:
        memory.record(
            conn,
            conversation_key=f"whatsapp:{LONG}",
            inbound_id=1,
            channel="whatsapp",
            correlation_id=None,
            user_text="hi",
            reply_text="hello",
            provider="fixed",
        )
    assert [t.text for t in memory.recent(f"whatsapp:{LONG}")] == ["hi", "hello"]
    ids = DeliveryStore(db, clock=clock).record_sent(
        channel="whatsapp",
        conversation_id=LONG,
        correlation_id=None,
        receipt=DeliveryReceipt(platform_message_ids=(f"wamid.{LONG}",)),
    )
    assert len(ids) == 1
    windows = ConversationWindows(db, clock=clock)
    windows.record_inbound([(LONG, clock())])
    assert windows.state(LONG).last_inbound_at == clock()


def test_a_500_character_conversation_is_handed_over(db: Database) -> None:
    clock = FakeClock()
    store = HandoffStore(db, clock=clock)
    with db.transaction() as conn:
        handoff_id = store.open(
            conn,
            conversation_key=f"whatsapp:{LONG}",
            channel="whatsapp",
            conversation_id=LONG,
            customer_name=None,
            reason="unanswered",
            post_correlation_id="c1",
            notify_at=clock() + 60,
        )
    handoff = store.open_for(f"whatsapp:{LONG}")
    assert handoff is not None
    assert handoff.id == handoff_id
    assert handoff.conversation_id == LONG
    assert handoff.notify_at == clock() + 60
