"""The 24-hour window table: migrations match the models, inbound moves it, 131047 marks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from alembic import command
from onebox_agent_whatsapp.window import (
    ConversationWindows,
    InboundRecorder,
    WindowState,
    closed_reason,
)
from onebox_bus import Bus, Database
from onebox_bus.migrate import alembic_config
from onebox_bus.testing import FakeClock

CONV = "106540352242922:16505551234"
DAY = 86400.0


@pytest.fixture
def windows(db_url: str, clock: FakeClock) -> Iterator[ConversationWindows]:
    """The window store on SQLite and, when ONEBOX_TEST_POSTGRES_URL is set, PostgreSQL."""
    bus = Bus.from_url(db_url, clock=clock)
    yield ConversationWindows(bus.db, clock=clock)
    bus.close()


def test_migration_creates_the_table_and_alembic_check_finds_no_difference(db_url: str) -> None:
    db = Database(db_url)
    try:
        names = sqlalchemy.inspect(db.engine).get_table_names()
    finally:
        db.close()
    assert "whatsapp_conversations" in names
    command.check(alembic_config(db_url))  # raises when the models and migrations differ


def test_last_inbound_only_moves_forward(windows: ConversationWindows) -> None:
    windows.record_inbound([(CONV, 1000.0), (CONV, 1500.0)])
    windows.record_inbound([(CONV, 1200.0)])  # an older message arriving late
    assert windows.state(CONV).last_inbound_at == 1500.0
    windows.record_inbound([(CONV, 2000.0)])
    assert windows.state(CONV).last_inbound_at == 2000.0
    assert windows.state("unknown") == WindowState()


def test_reengagement_mark_holds_until_the_customer_writes_again(
    windows: ConversationWindows,
) -> None:
    windows.record_inbound([(CONV, 1000.0)])
    windows.mark_reengagement_required(CONV, at=2000.0, reason="131047: Re-engagement message")
    state = windows.state(CONV)
    assert state.reengagement_required_at == 2000.0
    assert closed_reason(state, now=2001.0) is not None
    windows.record_inbound([(CONV, 1900.0)])  # older than the failure: still closed
    assert windows.state(CONV).reengagement_required_at == 2000.0
    windows.record_inbound([(CONV, 2100.0)])
    assert windows.state(CONV).reengagement_required_at is None
    assert closed_reason(windows.state(CONV), now=2200.0) is None


def test_a_failure_older_than_the_last_message_does_not_close(
    windows: ConversationWindows,
) -> None:
    windows.record_inbound([(CONV, 3000.0)])
    windows.mark_reengagement_required(CONV, at=2000.0, reason="late status")
    assert windows.state(CONV).reengagement_required_at is None
    windows.mark_reengagement_required("other", at=2000.0, reason="no inbound known")
    assert windows.state("other").reengagement_required_at == 2000.0


def test_closed_reason_outside_24_hours_with_margin() -> None:
    state = WindowState(last_inbound_at=0.0)
    assert closed_reason(state, now=DAY - 61) is None
    reason = closed_reason(state, now=DAY - 59)
    assert reason is not None
    assert "24-hour window" in reason
    assert closed_reason(WindowState(), now=10 * DAY) is None


@pytest.mark.anyio
async def test_recorder_coalesces_concurrent_writes(windows: ConversationWindows) -> None:
    import anyio

    recorder = InboundRecorder(windows)
    for i in range(50):
        recorder.record_soon([(f"c{i % 5}", float(i))])
        if i % 7 == 0:
            await anyio.lowlevel.checkpoint()
    await recorder.flush()
    assert recorder.failures == 0
    assert [windows.state(f"c{k}").last_inbound_at for k in range(5)] == [
        45.0,
        46.0,
        47.0,
        48.0,
        49.0,
    ]
