"""Bursts through the real inbound handler on a real SQLite bus, on a fake clock.

The tests play the consumer: after each arrival they claim what the bus hands out and give it
to the handler, as the `Consumer` would, and advance the clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_orchestrator.bursts import BurstPolicy, BurstWindow, PolicyName
from onebox_orchestrator.gathering import BurstGate, BurstWatch
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import Conversation, Reply

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def bus(db_url: str, clock: FakeClock) -> Iterator[Bus]:
    with Bus.from_url(db_url, clock=clock, doorbell=False) as bus:
        yield bus


class EchoRouter:
    """Answers ``echo: <question>``; `during` runs inside the first route call."""

    def __init__(self, during: object = None) -> None:
        self.questions: list[str] = []
        self.during = during

    async def route(self, conversation: Conversation, *, deadline: float) -> Reply:
        self.questions.append(conversation.question)
        if callable(self.during) and len(self.questions) == 1:
            self.during()
        return Reply(
            text=f"echo: {conversation.question}",
            provider="groq",
            model="fake",
            cached=False,
            classification="simple",
            latency_s=0.0,
            cost_usd=0.0,
        )


def make_handler(
    bus: Bus, router: EchoRouter, clock: FakeClock, policy: PolicyName = "decide"
) -> InboundHandler:
    gate = BurstGate(
        bus=bus,
        policy=BurstPolicy(name=policy, window=BurstWindow(quiet_s=1.5, max_s=6.0)),
        lease=60.0,
        clock=clock,
    )
    return InboundHandler(
        bus=bus,
        router=router,
        memory=ConversationMemory(bus.db, clock=clock, max_turns=10),
        personas=Personas.load(business="Casa Verde"),
        clock=clock,
        gate=gate,
    )


async def pump(bus: Bus, handler: InboundHandler) -> None:
    """Hand everything claimable now to the handler, as the consumer would."""
    while batch := bus.claim(INBOUND, limit=10, consumer="test"):
        for message in batch:
            await handler(message)


def replies(bus: Bus) -> list[OutboundMessage]:
    out = []
    while batch := bus.claim(outbound_topic("telegram"), limit=100, consumer="reader"):
        out += [OutboundMessage.from_payload(m.payload) for m in batch]
        bus.ack_many(batch)
    return [r for r in out if r.signal is None]


def arrive(bus: Bus, clock: FakeClock, text: str, *, chat: str = "42") -> int:
    return publish_inbound(bus, make_inbound(text, conversation_id=chat, received_at=clock()))


FRAGMENTS = ["hi", "my order", "4411", "has not arrived"]


async def test_a_burst_of_four_fragments_within_a_second_gets_one_reply(
    bus: Bus, clock: FakeClock
) -> None:
    router = EchoRouter()
    handler = make_handler(bus, router, clock)
    for text in FRAGMENTS:
        arrive(bus, clock, text)
        await pump(bus, handler)
        clock.advance(0.3)
    assert replies(bus) == []  # still inside the quiet window: nothing answered yet
    clock.advance(1.5)
    await pump(bus, handler)

    [reply] = replies(bus)
    assert reply.text == "echo: " + "\n".join(FRAGMENTS)
    assert router.questions == ["\n".join(FRAGMENTS)]
    stats = bus.stats()[INBOUND]
    assert (stats.done, stats.ready, stats.claimed) == (4, 0, 0)


async def test_four_messages_ten_seconds_apart_get_four_replies(bus: Bus, clock: FakeClock) -> None:
    router = EchoRouter()
    handler = make_handler(bus, router, clock)
    for text in FRAGMENTS:
        arrive(bus, clock, text)
        await pump(bus, handler)
        clock.advance(10.0)
        await pump(bus, handler)

    assert [r.text for r in replies(bus)] == [f"echo: {t}" for t in FRAGMENTS]
    assert bus.stats()[INBOUND].done == 4


async def test_a_complete_question_is_answered_at_once(bus: Bus, clock: FakeClock) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    arrive(bus, clock, "What are your opening hours?")
    await pump(bus, handler)  # no clock advance: no wait
    assert [r.text for r in replies(bus)] == ["echo: What are your opening hours?"]


async def test_a_question_ends_the_wait_of_the_fragments_before_it(
    bus: Bus, clock: FakeClock
) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    arrive(bus, clock, "hello")
    await pump(bus, handler)
    clock.advance(1.0)
    arrive(bus, clock, "do you ship to Spain?")  # inside the greeting's quiet window
    clock.advance(1.0)  # claimed a little late (no watch here): still one question
    await pump(bus, handler)
    [reply] = replies(bus)
    assert reply.text == "echo: hello\ndo you ship to Spain?"


async def test_a_backlog_is_answered_as_one_question_within_the_cap(
    bus: Bus, clock: FakeClock
) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    arrive(bus, clock, "What are your opening hours?")
    clock.advance(0.5)
    arrive(bus, clock, "Do you deliver?")  # written before any reply: one answer to both
    clock.advance(7.0)
    arrive(bus, clock, "thanks")  # past the cap after the first: a new question
    clock.advance(5.0)  # a backlog (the consumer was down): all three claimed late
    await pump(bus, handler)
    await pump(bus, handler)
    assert [r.text for r in replies(bus)] == [
        "echo: What are your opening hours?\nDo you deliver?",
        "echo: thanks",
    ]
    assert bus.stats()[INBOUND].done == 3


async def test_a_question_that_arrives_while_the_answer_is_routed_is_folded_into_it(
    bus: Bus, clock: FakeClock
) -> None:
    router = EchoRouter(during=lambda: arrive(bus, clock, "and to Portugal?"))
    handler = make_handler(bus, router, clock)
    arrive(bus, clock, "Do you ship to Spain?")
    await pump(bus, handler)  # no clock advance: answered at once, then again with the second
    [reply] = replies(bus)
    assert reply.text == "echo: Do you ship to Spain?\nand to Portugal?"
    assert router.questions == ["Do you ship to Spain?", "Do you ship to Spain?\nand to Portugal?"]
    assert bus.stats()[INBOUND].done == 2


async def test_a_fragment_that_arrives_while_the_answer_is_routed_makes_the_burst_wait(
    bus: Bus, clock: FakeClock
) -> None:
    router = EchoRouter(during=lambda: arrive(bus, clock, "my order"))
    handler = make_handler(bus, router, clock)
    arrive(bus, clock, "Do you ship to Spain?")
    await pump(bus, handler)
    assert replies(bus) == []  # the answer was not sent: the customer is still typing
    stats = bus.stats()[INBOUND]
    assert (stats.ready, stats.claimed, stats.done) == (2, 0, 0)  # back on the bus, waiting
    clock.advance(1.6)  # the quiet window after "my order" is over
    await pump(bus, handler)
    [reply] = replies(bus)
    assert reply.text == "echo: Do you ship to Spain?\nmy order"
    assert len(router.questions) == 2  # the first answer, then the whole burst once
    assert bus.stats()[INBOUND].done == 2


async def test_the_cap_answers_a_burst_that_keeps_going(bus: Bus, clock: FakeClock) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    for i in range(12):  # a fragment every second: the quiet window never closes
        arrive(bus, clock, f"and item {i},")
        await pump(bus, handler)
        clock.advance(1.0)
    answered = replies(bus)
    assert len(answered) == 1  # at 6 s after the first
    assert answered[0].text.count("item") == 7
    clock.advance(10.0)
    await pump(bus, handler)
    assert len(replies(bus)) == 1
    assert bus.stats()[INBOUND].done == 12


async def test_other_conversations_are_answered_while_one_waits(bus: Bus, clock: FakeClock) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    arrive(bus, clock, "hi", chat="1")
    arrive(bus, clock, "Do you deliver to Porto?", chat="2")
    await pump(bus, handler)
    [reply] = replies(bus)
    assert reply.conversation_id == "2"
    assert bus.stats()[INBOUND].ready == 1  # chat 1's greeting waits on the bus, not in a worker


async def test_media_behind_a_fragment_is_answered_after_the_burst_in_order(
    bus: Bus, clock: FakeClock
) -> None:
    handler = make_handler(bus, EchoRouter(), clock)
    arrive(bus, clock, "hi")
    publish_inbound(bus, make_inbound("", content_kind="photo", received_at=clock()))
    arrive(bus, clock, "is this in stock?")
    await pump(bus, handler)
    clock.advance(2.0)
    await pump(bus, handler)
    await pump(bus, handler)
    texts = [r.text for r in replies(bus)]
    assert texts[0] == "echo: hi"
    assert len(texts) == 3
    assert texts[2] == "echo: is this in stock?"
    assert bus.stats()[INBOUND].done == 3


async def test_fold_answers_at_once_and_folds_what_arrives_before_the_send(
    bus: Bus, clock: FakeClock
) -> None:
    router = EchoRouter(during=lambda: arrive(bus, clock, "order 4411"))
    handler = make_handler(bus, router, clock, policy="fold")
    arrive(bus, clock, "my order")
    await pump(bus, handler)  # no clock advance: answered at once
    [reply] = replies(bus)
    assert reply.text == "echo: my order\norder 4411"
    assert router.questions == ["my order", "my order\norder 4411"]
    assert bus.stats()[INBOUND].done == 2


async def test_fold_answers_a_fragment_after_the_send_on_its_own(
    bus: Bus, clock: FakeClock
) -> None:
    handler = make_handler(bus, EchoRouter(), clock, policy="fold")
    arrive(bus, clock, "hi")
    await pump(bus, handler)
    clock.advance(0.5)
    arrive(bus, clock, "my order")
    await pump(bus, handler)
    assert [r.text for r in replies(bus)] == ["echo: hi", "echo: my order"]


async def test_the_watch_ends_a_wait_when_the_customer_writes_again(
    bus: Bus, clock: FakeClock
) -> None:
    watch = BurstWatch(bus, clock=clock)
    woken: list[bool] = []
    watch.wake = lambda: woken.append(True)
    handler = make_handler(bus, EchoRouter(), clock)
    assert handler.gate is not None
    handler.gate.watch = watch
    arrive(bus, clock, "hi")
    await pump(bus, handler)
    assert await watch.check() == 0  # nothing new: still waiting
    clock.advance(0.4)
    arrive(bus, clock, "what time do you open?")
    assert await watch.check() == 1
    assert woken == [True]
    await pump(bus, handler)  # claimable now, well before the greeting's 1.5 s were over
    [reply] = replies(bus)
    assert reply.text == "echo: hi\nwhat time do you open?"


async def test_typing_is_signalled_before_a_slow_answer_and_never_after_it(
    db_url: str,
) -> None:
    from onebox_agent_telegram.testing import until
    from onebox_orchestrator.signals import TypingSignals

    with Bus.from_url(db_url, doorbell=False) as bus:
        topic = outbound_topic("telegram")

        def signalled() -> bool:
            stats = bus.stats().get(topic)
            return stats is not None and stats.ready >= 1

        class SlowRouter(EchoRouter):
            async def route(self, conversation: Conversation, *, deadline: float) -> Reply:
                await until(signalled, within=10)  # the answer takes until the signal is out
                return await super().route(conversation, deadline=deadline)

        handler = InboundHandler(
            bus=bus,
            router=SlowRouter(),
            memory=ConversationMemory(bus.db, max_turns=10),
            personas=Personas.load(business="Casa Verde"),
            typing=TypingSignals(bus, after=0.0),
        )
        publish_inbound(bus, make_inbound("Do you ship to Spain?", platform_message_id="77"))
        [message] = bus.claim(INBOUND, consumer="test")
        await handler(message)
        rows = []
        while batch := bus.claim(topic, limit=10, consumer="reader"):  # FIFO: one at a time
            rows += batch
            bus.ack_many(batch)

    signal, reply = (OutboundMessage.from_payload(m.payload) for m in rows)
    assert (signal.signal, signal.text, signal.reply_to) == ("typing", "", "77")
    assert rows[0].max_attempts == 1  # never retried
    assert rows[0].key == rows[1].key  # FIFO with the reply: shown before it, never after
    assert reply.signal is None
    assert reply.text == "echo: Do you ship to Spain?"


async def test_a_fast_answer_sends_no_typing_signal(bus: Bus, clock: FakeClock) -> None:
    from onebox_orchestrator.signals import TypingSignals

    typing = TypingSignals(bus, after=5.0)
    handler = make_handler(bus, EchoRouter(), clock)
    handler.typing = typing
    arrive(bus, clock, "What are your opening hours?")
    await pump(bus, handler)
    rows = bus.claim(outbound_topic("telegram"), limit=10, consumer="reader")
    assert [OutboundMessage.from_payload(m.payload).signal for m in rows] == [None]
    assert typing.published == 0
