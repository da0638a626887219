"""The idle timer: a handoff nobody answers goes back to the bot on time, with no new message.

Real SQLite bus, the real handler, desk and `IdleResumer`, a fixed clock moved by the test.
"""

from __future__ import annotations

import anyio
import pytest
from onebox_bus import Bus
from onebox_bus.testing import FakeClock
from onebox_orchestrator.idle import IdleResumer
from onebox_orchestrator.testing import make_inbound, publish_inbound

from .test_handler import ScriptedRouter, handle_all
from .test_handoff_desk import CUSTOMER, bus, clock, make_desk, make_handler, sent

pytestmark = pytest.mark.anyio
__all__ = ["bus", "clock"]  # the fixed clock and the bus on it, as the desk's tests use them


async def test_an_idle_handoff_is_resumed_without_a_customer_message(
    bus: Bus, clock: FakeClock
) -> None:
    desk = make_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    publish_inbound(bus, make_inbound("Can I talk to a human?"))
    await handle_all(bus, handler)
    sent(bus)
    resumer = IdleResumer(desk)

    clock.advance(29 * 60)
    assert await resumer.resume_idle() == []
    assert desk.open_for(CUSTOMER) is not None
    clock.advance(60)  # 30 minutes without an operator message
    assert await resumer.resume_idle() == [1]
    [], [notice] = sent(bus)
    assert notice.text == (
        "#1 Telegram · 42: no answer here for 30 min, so the bot answers this conversation again."
    )
    assert desk.open_for(CUSTOMER) is None
    closed = desk.store.latest_for(CUSTOMER)
    assert closed is not None
    assert closed.closed_by == "idle"
    assert await resumer.resume_idle() == []  # once

    publish_inbound(bus, make_inbound("What are your opening hours?", received_at=clock()))
    await handle_all(bus, handler)
    [answer], [] = sent(bus)  # the bot answers; no second notice
    assert answer.text == "echo: What are your opening hours?"


async def test_the_worker_resumes_on_its_own_and_spares_bot_off(bus: Bus, clock: FakeClock) -> None:
    desk = make_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    publish_inbound(bus, make_inbound("Can I talk to a human?"))
    publish_inbound(bus, make_inbound("Can I speak to someone?", conversation_id="43"))
    await handle_all(bus, handler)
    sent(bus)
    kept = desk.open_for("telegram:43")
    assert kept is not None
    with bus.db.transaction() as conn:
        desk.store.set_bot_off(conn, kept.id, True)
    worker = IdleResumer(desk, every=0.01)
    notices: list[str] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(worker.run)
        clock.advance(31 * 60)
        with anyio.fail_after(10):
            while not notices:
                notices += [m.text for m in sent(bus)[1]]
                await anyio.sleep(0.01)
        worker.stop()
    assert notices == [
        "#1 Telegram · 42: no answer here for 30 min, so the bot answers this conversation again."
    ]
    assert desk.open_for(CUSTOMER) is None
    assert desk.open_for("telegram:43") is not None  # the operator turned the bot off there
    assert not worker.running
