"""A thread says what became of each operator reply: sent, not sent yet, or not delivered.

Real SQLite (and PostgreSQL when configured): the turns as the operator handler records them,
the delivery records as the senders write them (a send, a dead letter with its reason, a
platform's later ``failed`` status), read back by `ConversationReader`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_orchestrator.conversations import ConversationReader
from onebox_orchestrator.dashboard.conversations import _thread_html
from onebox_orchestrator.memory import ConversationMemory
from onebox_service import DeliveryReceipt, DeliveryStore

KEY = "whatsapp:106540352242922:16505551234"
CONVERSATION = "106540352242922:16505551234"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


def test_operator_replies_say_whether_they_were_delivered(db: Database) -> None:
    memory = ConversationMemory(db)
    deliveries = DeliveryStore(db)
    with db.transaction() as conn:
        memory.record_turn(conn, conversation_key=KEY, inbound_id=1, channel="whatsapp",
                           correlation_id="c-customer", role="user", text="Anyone there?",
                           origin="relayed", customer_name="Ada")  # fmt: skip
        for n, cid in enumerate(("c-sent", "c-dead", "c-failed-later", "c-waiting"), start=2):
            memory.record_turn(conn, conversation_key=KEY, inbound_id=n, channel="whatsapp",
                               correlation_id=cid, role="assistant", text=f"reply {cid}",
                               provider="operator", origin="operator")  # fmt: skip
    sent = DeliveryReceipt(platform_message_ids=("wamid.1",))
    deliveries.record_sent(channel="whatsapp", conversation_id=CONVERSATION,
                           correlation_id="c-sent", receipt=sent)  # fmt: skip
    deliveries.update_status("whatsapp", "wamid.1", "read")
    window = "outside the 24-hour window; no approved template is configured"
    deliveries.record_failed(channel="whatsapp", conversation_id=CONVERSATION,
                             correlation_id="c-dead", error=window)  # fmt: skip
    # The operator chat's notice about it shares the correlation id: not this conversation.
    deliveries.record_sent(channel="telegram", conversation_id="4242", correlation_id="c-dead",
                           receipt=DeliveryReceipt(platform_message_ids=("9",)))  # fmt: skip
    later = DeliveryReceipt(platform_message_ids=("wamid.2",))
    deliveries.record_sent(channel="whatsapp", conversation_id=CONVERSATION,
                           correlation_id="c-failed-later", receipt=later)  # fmt: skip
    deliveries.update_status("whatsapp", "wamid.2", "failed", error="131026: undeliverable")

    thread = ConversationReader(db, deliveries=deliveries).thread(KEY)
    assert thread is not None
    fates = [(m["text"], m["delivery"], m["delivery_error"]) for m in thread.as_json()["messages"]]
    assert fates == [
        ("Anyone there?", None, None),
        ("reply c-sent", "read", None),
        ("reply c-dead", "failed", window),
        ("reply c-failed-later", "failed", "131026: undeliverable"),
        ("reply c-waiting", "pending", None),
    ]
    html = _thread_html(thread)
    assert f"not delivered: {window}" in html
    assert html.count("not delivered") == 2  # the failed one says why as well
    assert "not sent yet" in html

    unknown = ConversationReader(db).thread(KEY)  # without the delivery records: not said
    assert unknown is not None
    assert {m.delivery for m in unknown.turns} == {None}
