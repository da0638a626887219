"""Handing conversations to a person, in process on a real SQLite bus with a fixed clock.

The scripted router stands in for routing; everything else is real: the handler, the desk,
the handoff store, the memory, the operator handler and the bus topics they publish to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import OPERATOR, OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_orchestrator.desk import HandoffDesk
from onebox_orchestrator.escalation import EscalationRules
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.handoffs import HandoffStore
from onebox_orchestrator.holding import HoldingReplies
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.operators import HELP, OperatorHandler, command_of
from onebox_orchestrator.persona import Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_service import DeliveryStore

from .test_handler import ScriptedRouter, handle_all

pytestmark = pytest.mark.anyio
OPERATOR_CHAT = 4242
CUSTOMER = "telegram:42"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


@pytest.fixture
def bus(db_url: str, clock: FakeClock) -> Iterator[Bus]:
    with Bus.from_url(db_url, clock=clock) as bus:
        yield bus


def make_desk(bus: Bus, clock: FakeClock) -> HandoffDesk:
    return HandoffDesk(
        bus=bus,
        store=HandoffStore(bus.db, clock=clock),
        memory=ConversationMemory(bus.db, clock=clock),
        deliveries=DeliveryStore(bus.db, clock=clock),
        operator_chat_id=OPERATOR_CHAT,
        holding=HoldingReplies(person_notified=True, clock=clock),
        rules=EscalationRules(keywords=("engraving",)),
        idle_seconds=30 * 60.0,
        clock=clock,
    )


def make_handler(bus: Bus, router: ScriptedRouter, desk: HandoffDesk) -> InboundHandler:
    return InboundHandler(
        bus=bus,
        router=router,
        memory=desk.memory,
        personas=Personas.load(business="Casa Verde"),
        clock=desk.clock,
        holding=desk.holding.reply,
        desk=desk,
    )


def sent(bus: Bus) -> tuple[list[OutboundMessage], list[OutboundMessage]]:
    """(to the customer, to the operator chat) published since the last call."""
    out: list[OutboundMessage] = []
    while batch := bus.claim(outbound_topic("telegram"), limit=100, consumer="reader"):
        out += [OutboundMessage.from_payload(m.payload) for m in batch]
        bus.ack_many(batch)
    chat = str(OPERATOR_CHAT)
    return [m for m in out if m.conversation_id != chat], [
        m for m in out if m.conversation_id == chat
    ]


async def test_a_request_for_a_person_is_handed_over_without_routing(
    bus: Bus, clock: FakeClock
) -> None:
    router = ScriptedRouter()
    desk = make_desk(bus, clock)
    publish_inbound(bus, make_inbound("Quiero hablar con una persona, por favor"))
    await handle_all(bus, make_handler(bus, router, desk))
    assert router.calls == []
    [to_customer], [post] = sent(bus)
    assert to_customer.text.startswith("¡Gracias por tu mensaje! Lo he pasado a nuestro equipo")
    assert "Why: the customer asked for a person." in post.text
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    assert handoff.reason == "asked_for_person"
    assert handoff.post_correlation_id == post.correlation_id


async def test_relay_while_open_then_resume_after_idle_minutes(bus: Bus, clock: FakeClock) -> None:
    router = ScriptedRouter()
    desk = make_desk(bus, clock)
    handler = make_handler(bus, router, desk)
    publish_inbound(bus, make_inbound("Do you do engraving on pots?"))
    await handle_all(bus, handler)
    [_], [post] = sent(bus)
    assert "a handoff keyword (engraving)" in post.text

    clock.advance(29 * 60)
    publish_inbound(bus, make_inbound("Hello? Anyone there?", received_at=clock()))
    await handle_all(bus, handler)
    to_customer, [relay] = sent(bus)
    assert to_customer == []  # silent: a person has the conversation
    assert relay.text.endswith("writes:\nHello? Anyone there?")
    assert router.calls == []
    assert [t.text for t in desk.memory.recent(CUSTOMER)][-1] == "Hello? Anyone there?"

    clock.advance(2 * 60)  # 31 minutes without an operator message
    publish_inbound(bus, make_inbound("What are your opening hours?", received_at=clock()))
    await handle_all(bus, handler)
    [answer], [notice] = sent(bus)
    assert answer.text == "echo: What are your opening hours?"
    assert "no answer here for 30 min, so the bot answers this conversation again" in notice.text
    assert desk.open_for(CUSTOMER) is None
    closed = desk.store.latest_for(CUSTOMER)
    assert closed is not None
    assert closed.closed_by == "idle"


async def test_operator_commands_answer_in_the_operator_chat(bus: Bus, clock: FakeClock) -> None:
    desk = make_desk(bus, clock)
    operator = OperatorHandler(bus=bus, desk=desk, clock=clock)
    for text in ("/who", "/done", "just chatting", "/bot maybe", "/start"):
        message = make_inbound(text, conversation_id=str(OPERATOR_CHAT))
        bus.publish(OPERATOR, message.to_payload(), key=message.key)
    while batch := bus.claim(OPERATOR, limit=10, consumer="test"):
        for message in batch:
            await operator(message)
    _, answers = sent(bus)
    assert [a.text for a in answers] == [
        "No open handoffs: the bot answers every conversation.",
        "Reply /done to a customer's escalation post.",
        HELP,
        "Use /bot on or /bot off.",
        HELP,
    ]
    assert all(a.reply_to for a in answers)  # each answers the operator's message
    assert command_of("/done@onebox_bot please") == ("/done", "please")
    assert command_of("hello /done") is None


async def test_bot_off_keeps_the_conversation_with_the_person_until_bot_on(
    bus: Bus, clock: FakeClock
) -> None:
    router = ScriptedRouter()
    desk = make_desk(bus, clock)
    handler = make_handler(bus, router, desk)
    operator = OperatorHandler(bus=bus, desk=desk, clock=clock)
    publish_inbound(bus, make_inbound("I need engraving on three pots"))
    await handle_all(bus, handler)
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    with bus.db.transaction() as conn:  # what the sender's delivery record would teach it
        desk.store.set_post_message(conn, handoff.id, "1")
    sent(bus)

    async def operator_says(text: str) -> None:
        message = make_inbound(text, conversation_id=str(OPERATOR_CHAT))
        message.meta["reply_to_message_id"] = "1"
        bus.publish(OPERATOR, message.to_payload(), key=message.key)
        while batch := bus.claim(OPERATOR, limit=10, consumer="test"):
            for claimed in batch:
                await operator(claimed)

    await operator_says("/bot off")
    _, [answer] = sent(bus)
    assert answer.text.startswith("The bot is off for #1 Telegram")
    clock.advance(3 * 3600)  # far past idle_minutes: still the person's
    publish_inbound(bus, make_inbound("Any news?", received_at=clock()))
    await handle_all(bus, handler)
    to_customer, [relay] = sent(bus)
    assert to_customer == []
    assert relay.text.endswith("Any news?")
    assert relay.reply_to == "1"

    await operator_says("/bot on")
    _, [answer] = sent(bus)
    assert answer.text.endswith("is back with the bot.")
    publish_inbound(bus, make_inbound("Thanks!", received_at=clock()))
    await handle_all(bus, handler)
    [reply], [] = sent(bus)
    assert reply.text == "echo: Thanks!"


async def test_a_handoff_can_be_named_instead_of_replied_to(bus: Bus, clock: FakeClock) -> None:
    desk = make_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    operator = OperatorHandler(bus=bus, desk=desk, clock=clock)
    publish_inbound(bus, make_inbound("Can I speak to the owner?"))
    await handle_all(bus, handler)
    sent(bus)
    for text in ("#1 Hello, I am the owner.", "#9 lost", "/done 1"):
        message = make_inbound(text, conversation_id=str(OPERATOR_CHAT))
        bus.publish(OPERATOR, message.to_payload(), key=message.key)
    while batch := bus.claim(OPERATOR, limit=10, consumer="test"):
        for claimed in batch:
            await operator(claimed)
    [to_customer], answers = sent(bus)
    assert to_customer.text == "Hello, I am the owner."
    assert to_customer.conversation_id == "42"
    assert [a.text for a in answers] == [
        "There is no handoff #9; /who lists the open ones.",
        "#1 Telegram · 42 is back with the bot.",
    ]
    assert desk.open_for(CUSTOMER) is None


async def test_the_post_says_when_the_business_opens_again(bus: Bus) -> None:
    from .test_holding import SATURDAY_EVENING, casa_verde

    clock = FakeClock(SATURDAY_EVENING)
    desk = make_desk(bus, clock)
    closed = HandoffDesk(
        bus=bus,
        store=desk.store,
        memory=desk.memory,
        deliveries=desk.deliveries,
        operator_chat_id=OPERATOR_CHAT,
        holding=HoldingReplies(business=casa_verde(), person_notified=True, clock=clock),
        clock=clock,
    )
    assert closed.hours_state() == "The business is closed now; it opens Monday at 09:00."
    publish_inbound(bus, make_inbound("I want to speak to a manager", received_at=clock()))
    await handle_all(bus, make_handler(bus, ScriptedRouter(), closed))
    [told], [post] = sent(bus)
    assert told.text.endswith("We are back Monday at 09:00.")
    assert "The business is closed now; it opens Monday at 09:00." in post.text
    assert desk.hours_state() == "Business hours: not set."


async def test_a_reply_to_a_post_not_recorded_yet_waits_for_its_record(
    bus: Bus, clock: FakeClock
) -> None:
    """The post is on the operator's screen a moment before its sender records its id."""
    router = ScriptedRouter()
    desk = make_desk(bus, clock)
    operator = OperatorHandler(bus=bus, desk=desk, clock=clock)
    publish_inbound(bus, make_inbound("Quiero hablar con una persona, por favor"))
    await handle_all(bus, make_handler(bus, router, desk))
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    sent(bus)

    async def operator_round() -> None:
        while batch := bus.claim(OPERATOR, limit=10, consumer="test"):
            for claimed in batch:
                await operator(claimed)

    for reply_to, text in (("1", "Yes, we engrave pots."), ("99", "And this?")):
        message = make_inbound(text, conversation_id=str(OPERATOR_CHAT))
        message.meta["reply_to_message_id"] = reply_to
        bus.publish(OPERATOR, message.to_payload(), key=message.key)
    await operator_round()
    assert sent(bus) == ([], [])  # neither is called unknown at once
    with bus.db.transaction() as conn:  # the sender records the post's message id now
        desk.store.set_post_message(conn, handoff.id, "1")
    clock.advance(1.1)
    await operator_round()
    [to_customer], [] = sent(bus)
    assert to_customer.text == "Yes, we engrave pots."
    clock.advance(1.1)
    await operator_round()  # "99" waited behind "1" (the chat's order): its second look
    assert sent(bus) == ([], [])
    clock.advance(1.1)
    await operator_round()  # its third and last look
    [], [refusal] = sent(bus)
    assert refusal.text.startswith("That message is not an escalation post")
