"""``notify = "at_opening"``: out of hours the operator is told at the next opening, not at once.

A fixed clock on Saturday evening in Lisbon (open Monday to Friday 09:00-19:00), the real
handler, desk, operator handler and idle timer on a real SQLite bus: the customer is told when
a person will reply, the escalation post and the customer's later messages wait for Monday
09:00 in order, the rest of the operator chat does not wait, and the idle clock starts at the
opening.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import OPERATOR
from onebox_bus.testing import FakeClock
from onebox_orchestrator.desk import HandoffDesk
from onebox_orchestrator.holding import HoldingReplies
from onebox_orchestrator.idle import IdleResumer
from onebox_orchestrator.operators import OperatorHandler
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_service import Handoff

from .test_handler import ScriptedRouter, handle_all
from .test_handoff_desk import CUSTOMER, OPERATOR_CHAT, make_desk, make_handler, sent
from .test_holding import LISBON, SATURDAY_EVENING, casa_verde

pytestmark = pytest.mark.anyio
MONDAY_OPENING = dt.datetime(2026, 3, 30, 9, 0, tzinfo=LISBON).timestamp()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SATURDAY_EVENING)


@pytest.fixture
def bus(db_url: str, clock: FakeClock) -> Iterator[Bus]:
    with Bus.from_url(db_url, clock=clock) as bus:
        yield bus


def at_opening_desk(bus: Bus, clock: FakeClock, *, notify: str = "at_opening") -> HandoffDesk:
    business = dataclasses.replace(casa_verde(), handoff=Handoff(notify=notify))  # type: ignore[arg-type]
    return dataclasses.replace(
        make_desk(bus, clock),
        holding=HoldingReplies(business=business, person_notified=True, clock=clock),
    )


async def test_the_operator_is_told_at_the_next_opening(bus: Bus, clock: FakeClock) -> None:
    desk = at_opening_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    publish_inbound(bus, make_inbound("Can I talk to a person?", received_at=clock()))
    await handle_all(bus, handler)
    [told], held = sent(bus)
    assert told.text.endswith("We are back Monday at 09:00.")
    assert "a person will reply in this chat" in told.text
    assert held == []  # nobody is told on a Saturday evening
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    assert handoff.notify_at == MONDAY_OPENING

    clock.advance(20 * 3600)  # Sunday afternoon: the customer writes again
    publish_inbound(bus, make_inbound("Hello? It is urgent.", received_at=clock()))
    await handle_all(bus, handler)
    assert sent(bus) == ([], [])  # relayed, behind the held post
    who = make_inbound("/who", conversation_id=str(OPERATOR_CHAT))
    bus.publish(OPERATOR, who.to_payload(), key=who.key)
    [claimed] = bus.claim(OPERATOR, consumer="test")
    await OperatorHandler(bus=bus, desk=desk, clock=clock)(claimed)
    [], [answer] = sent(bus)  # the rest of the operator chat is not held up
    assert answer.text.startswith("Open handoffs (1):")

    assert await IdleResumer(desk).resume_idle() == []  # 21 h after: not idle, nobody told yet
    clock.advance(MONDAY_OPENING - clock() - 1)
    assert sent(bus) == ([], [])
    clock.advance(1)  # Monday 09:00
    [], [post, relay] = sent(bus)
    assert post.text.startswith("New handoff #1: Telegram")
    assert "this post waited for the opening" in post.text
    assert relay.text.endswith("writes:\nHello? It is urgent.")

    clock.advance(29 * 60)
    assert await IdleResumer(desk).resume_idle() == []  # the idle clock started at 09:00
    clock.advance(60)
    assert await IdleResumer(desk).resume_idle() == [1]


async def test_within_hours_or_at_once_the_post_is_not_held(bus: Bus, clock: FakeClock) -> None:
    at_once = at_opening_desk(bus, clock, notify="at_once")
    publish_inbound(bus, make_inbound("Can I talk to a person?", received_at=clock()))
    await handle_all(bus, make_handler(bus, ScriptedRouter(), at_once))
    [_], [post] = sent(bus)
    assert "The business is closed now; it opens Monday at 09:00." in post.text

    clock.advance(MONDAY_OPENING + 3600 - clock())  # open now: nothing to wait for
    desk = at_opening_desk(bus, clock)
    assert desk.notify_time() is None
    publish_inbound(bus, make_inbound("Can I talk to a person?", conversation_id="43"))
    await handle_all(bus, make_handler(bus, ScriptedRouter(), desk))
    [_], [post] = sent(bus)
    assert "The business is open now." in post.text
