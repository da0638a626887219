"""The handoff store on a real SQLite file and, when configured, the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from alembic import command
from onebox_bus import Database
from onebox_bus.migrate import alembic_config
from onebox_bus.testing import FakeClock
from onebox_orchestrator.handoffs import HandoffStore

KEY = "whatsapp:106540352242922:16505551234"


@pytest.fixture
def store(db_url: str) -> Iterator[HandoffStore]:
    with Database(db_url) as db:
        yield HandoffStore(db, clock=FakeClock(1_000.0))


def _open(store: HandoffStore, key: str = KEY, correlation_id: str = "c1") -> int:
    with store.db.transaction() as conn:
        return store.open(
            conn,
            conversation_key=key,
            channel="whatsapp",
            conversation_id=key.split(":", 1)[1],
            customer_name="Maria",
            reason="unanswered",
            post_correlation_id=correlation_id,
            reply_meta={"phone_number_id": "106540352242922"},
        )


def test_migration_creates_the_table_and_alembic_check_finds_no_difference(db_url: str) -> None:
    with Database(db_url) as db:
        assert "orchestrator_handoffs" in sqlalchemy.inspect(db.engine).get_table_names()
    command.check(alembic_config(db_url))


def test_open_find_touch_and_close(store: HandoffStore) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    assert store.open_for(KEY) is None
    handoff_id = _open(store)
    opened = store.open_for(KEY)
    assert opened is not None
    assert opened.id == handoff_id
    assert (opened.state, opened.customer_name, opened.reason) == ("open", "Maria", "unanswered")
    assert opened.reply_meta == {"phone_number_id": "106540352242922"}
    assert opened.opened_at == 1_000.0
    assert opened.last_operator_at is None
    assert store.by_post("c1") == opened
    assert store.by_post("other") is None
    assert not opened.idle(1_000.0 + 1799, idle_seconds=1800)
    assert opened.idle(1_000.0 + 1800, idle_seconds=1800)

    clock.advance(600)
    with store.db.transaction() as conn:
        store.touch_operator(conn, handoff_id)
        store.set_post_message(conn, handoff_id, "7")
    touched = store.by_post_message("7")
    assert touched is not None
    assert touched.last_operator_at == 1_600.0
    assert not touched.idle(1_600.0 + 1799, idle_seconds=1800)
    assert [h.id for h in store.open_handoffs()] == [handoff_id]

    clock.advance(60)
    with store.db.transaction() as conn:
        assert store.close(conn, handoff_id, by="operator") is True
        assert store.close(conn, handoff_id, by="idle") is False  # closed once
    assert store.open_for(KEY) is None
    closed = store.latest_for(KEY)
    assert closed is not None
    assert (closed.state, closed.closed_at, closed.closed_by) == ("closed", 1_660.0, "operator")
    assert store.open_handoffs() == []


def test_a_rolled_back_unit_leaves_no_handoff(store: HandoffStore) -> None:
    def crash() -> None:
        with store.db.transaction() as conn:
            _open_in(conn)
            raise RuntimeError("crash before commit")

    def _open_in(conn: sqlalchemy.Connection) -> None:
        store.open(
            conn,
            conversation_key=KEY,
            channel="whatsapp",
            conversation_id="x",
            customer_name=None,
            reason="keyword",
            post_correlation_id="c2",
        )

    with pytest.raises(RuntimeError):
        crash()
    assert store.latest_for(KEY) is None


def test_conversations_are_kept_apart_and_the_newest_wins(store: HandoffStore) -> None:
    first = _open(store, correlation_id="a")
    with store.db.transaction() as conn:
        store.close(conn, first, by="idle")
    second = _open(store, correlation_id="b")
    _open(store, key="telegram:42", correlation_id="c")
    latest = store.latest_for(KEY)
    assert latest is not None
    assert latest.id == second
    open_now = store.open_for(KEY)
    assert open_now is not None
    assert open_now.id == second
    assert {h.conversation_key for h in store.open_handoffs()} == {KEY, "telegram:42"}
