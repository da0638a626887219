"""The owner's read models on a real SQLite file and, when configured, real PostgreSQL:
turns with their origins, the conversations row, unanswered groups, states and search."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock, migrated_postgres
from onebox_orchestrator.conversations import ConversationReader
from onebox_orchestrator.handoffs import HandoffStore
from onebox_orchestrator.memory import ConversationMemory, Origin
from onebox_orchestrator.questions import QuestionGroups
from sqlalchemy import text


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(
    request: pytest.FixtureRequest, db_url: str, worker_schema: Callable[[str], str]
) -> Iterator[Database]:
    if request.param == "postgresql":
        base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("PostgreSQL half skipped: set ONEBOX_TEST_POSTGRES_URL to run it")
        db_url = migrated_postgres(base, worker_schema("onebox_owner_test"))
    with Database(db_url) as database:
        with database.transaction() as conn:
            for table in ("orchestrator_turns", "orchestrator_conversations",
                          "orchestrator_question_groups", "orchestrator_handoffs"):  # fmt: skip
                conn.execute(text(f"DELETE FROM {table}"))
        yield database


class World:
    def __init__(self, db: Database) -> None:
        self.clock = FakeClock(1_800_000_000.0)
        self.memory = ConversationMemory(db, clock=self.clock)
        self.questions = QuestionGroups(db, clock=self.clock)
        self.reader = ConversationReader(db, clock=self.clock)
        self.handoffs = HandoffStore(db, clock=self.clock)
        self.db = db
        self.inbound = 0

    def say(
        self, key: str, text: str, reply: str, *, origin: Origin = "model",
        name: str | None = None, unanswered: bool = False,
    ) -> int | None:  # fmt: skip
        self.clock.advance(10.0)
        self.inbound += 1
        with self.db.transaction() as conn:
            group = self.questions.assign(conn, text) if unanswered else None
            self.memory.record(
                conn, conversation_key=key, inbound_id=self.inbound, channel=key.split(":")[0],
                correlation_id=None, user_text=text, reply_text=reply, provider="groq",
                origin=origin, model="llama" if origin == "model" else None,
                question_group=group, customer_name=name,
            )  # fmt: skip
        return group


def test_threads_groups_states_and_search(db: Database) -> None:
    w = World(db)
    w.say("telegram:1", "Hi, what are your hours?", "9 to 19.", origin="faq", name="Ana")
    first = w.say("telegram:1", "Do you sell gift cards?", "Sorry.", origin="fallback",
                  unanswered=True)  # fmt: skip
    second = w.say("whatsapp:2", "do you sell gift vouchers", "Sorry.", origin="fallback",
                   name="Bo", unanswered=True)  # fmt: skip
    other = w.say("whatsapp:3", "Do you sell gift cards of 50 euros?", "Sorry.", origin="holding",
                  unanswered=True)  # fmt: skip
    day = w.say("telegram:4", "Are you open on Sunday?", "Sorry.", origin="fallback",
                unanswered=True)  # fmt: skip
    w.say("telegram:1", "100% sure_thing?", "Yes.", origin="cache")  # no name: Ana stays
    assert first == second
    assert len({first, other, day}) == 3, "a different slot is a different question"

    thread = w.reader.thread("telegram:1")
    assert thread is not None
    assert thread.conversation.customer_name == "Ana"
    assert [(t.role, t.origin) for t in thread.turns] == [
        ("user", "customer"), ("assistant", "faq"), ("user", "customer"),
        ("assistant", "fallback"), ("user", "customer"), ("assistant", "cache"),
    ]  # fmt: skip
    assert [t.at for t in thread.turns] == sorted(t.at for t in thread.turns)
    assert [c.key for c in w.reader.listing()] == [
        "telegram:1", "telegram:4", "whatsapp:3", "whatsapp:2",
    ]  # fmt: skip
    assert [c.key for c in w.reader.listing(channel="whatsapp", limit=1, offset=1)] == [
        "whatsapp:2"
    ]
    assert [c.key for c in w.reader.listing(q="VOUCHER")] == ["whatsapp:2"]
    assert [c.key for c in w.reader.listing(q="bo")] == ["whatsapp:2"]  # the name
    assert [c.key for c in w.reader.listing(q="100%")] == ["telegram:1"]
    assert [c.key for c in w.reader.listing(q="s_re")] == []  # '_' is a letter, not a wildcard

    with db.transaction() as conn:
        opened = w.handoffs.open(
            conn, conversation_key="whatsapp:2", channel="whatsapp", conversation_id="2",
            customer_name="Bo", reason="unanswered", post_correlation_id="p1", reply_meta={},
        )  # fmt: skip
        closed = w.handoffs.open(
            conn, conversation_key="whatsapp:3", channel="whatsapp", conversation_id="3",
            customer_name=None, reason="unanswered", post_correlation_id="p2", reply_meta={},
        )  # fmt: skip
    w.clock.advance(5.0)
    with db.transaction() as conn:
        w.handoffs.close(conn, closed, by="operator")
    assert opened != closed
    assert [c.key for c in w.reader.listing(state="handoff")] == ["whatsapp:2"]
    assert [c.key for c in w.reader.listing(state="closed")] == ["whatsapp:3"]
    assert [c.key for c in w.reader.listing(state="bot")] == ["telegram:1", "telegram:4"]
    w.say("whatsapp:3", "one more thing", "Sure.")  # written after the close: the bot's again
    assert [c.key for c in w.reader.listing(state="closed")] == []

    groups = w.questions.listing()
    top = groups[0]
    assert (top.count, top.question, top.example) == (
        2, "Do you sell gift cards?", "do you sell gift vouchers",
    )  # fmt: skip
    assert first is not None
    with db.transaction() as conn:
        assert w.questions.mark_answered(conn, first, faq_id="9", answer="<b>Yes</b>")
        assert not w.questions.mark_answered(conn, first, faq_id="9", answer="again")
    assert first not in [g.id for g in w.questions.listing()]
    [answered] = w.questions.listing(answered=True)
    assert (answered.id, answered.faq_id, answered.answer) == (first, "9", "<b>Yes</b>")
    # an answered group takes no new question: asked again, it opens a new one
    again = w.say("telegram:5", "Do you sell gift cards?", "Sorry.", origin="fallback",
                  unanswered=True)  # fmt: skip
    assert again not in (None, first)
    assert w.questions.get(10_000) is None
