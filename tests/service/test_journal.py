"""The message journal's flush: chunked transactions, nothing lost or reordered on a refusal."""

from __future__ import annotations

import pytest
from onebox_bus import Database
from onebox_bus.testing import allow_inserts, refuse_inserts
from onebox_service.journal import MessageJournal, read_journey
from sqlalchemy.exc import SQLAlchemyError


def stored_ids(db_url: str) -> list[str]:
    with Database(db_url) as db:
        rows = db.connection().exec_driver_sql(
            "SELECT correlation_id FROM service_events ORDER BY id"
        )
        return [row[0] for row in rows]


def test_a_flush_writes_every_event_in_chunks_in_the_order_recorded(db_url: str) -> None:
    db = Database(db_url)
    journal = MessageJournal("test", db, clock=lambda: 1000.0, chunk_rows=100)
    for i in range(1_050):
        journal.record(f"c{i}", "published", topic="inbound")

    assert journal.flush() == 1_050

    assert journal.pending() == 0
    assert stored_ids(db_url) == [f"c{i}" for i in range(1_050)]
    [event] = read_journey(db, "c7")
    assert (event.step, event.detail) == ("published", {"topic": "inbound"})
    db.close()


def test_a_refused_chunk_keeps_it_and_the_rest_buffered_ahead_of_newer_events(
    db_url: str,
) -> None:
    db = Database(db_url)
    with db.transaction() as conn:
        refuse_inserts(conn, "service_events", when="NEW.step = 'poison'")
    journal = MessageJournal("test", db, clock=lambda: 1000.0, chunk_rows=100)
    for i in range(350):
        journal.record(f"c{i}", "poison" if i == 250 else "published")

    with pytest.raises(SQLAlchemyError):
        journal.flush()

    # the first two chunks committed; the refused one and the one after it wait, in order
    assert stored_ids(db_url) == [f"c{i}" for i in range(200)]
    assert journal.pending() == 150
    journal.record("later", "sent")
    with db.transaction() as conn:
        allow_inserts(conn, "service_events")

    assert journal.flush() == 151
    assert stored_ids(db_url) == [f"c{i}" for i in range(350)] + ["later"]
    db.close()
