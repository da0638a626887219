"""The inbound handler on a real SQLite bus, with a scripted router standing in for routing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import HOLDING_REPLY, Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import Conversation, Reply

pytestmark = pytest.mark.anyio


class ScriptedRouter:
    """Answers ``echo: <question>``; remembers what it was asked; can be told to fail."""

    def __init__(self, *, fail: Exception | None = None) -> None:
        self.calls: list[tuple[Conversation, float]] = []
        self.fail = fail

    async def route(self, conversation: Conversation, *, deadline: float) -> Reply:
        self.calls.append((conversation, deadline))
        if self.fail is not None:
            raise self.fail
        return Reply(
            text=f"echo: {conversation.question}",
            provider="groq",
            model="fake",
            cached=False,
            classification="simple",
            latency_s=0.0,
            cost_usd=0.001,
        )


def make_handler(bus: Bus, router: ScriptedRouter, **options: float) -> InboundHandler:
    return InboundHandler(
        bus=bus,
        router=router,
        memory=ConversationMemory(bus.db, clock=bus.clock, max_turns=10),
        personas=Personas.load(business="Casa Verde"),
        **options,  # type: ignore[arg-type]
    )


async def handle_all(bus: Bus, handler: InboundHandler) -> int:
    handled = 0
    while batch := bus.claim(INBOUND, limit=10, consumer="test"):
        for message in batch:
            await handler(message)
            handled += 1
    return handled


def outbound(bus: Bus, channel: str = "telegram") -> list[OutboundMessage]:
    replies = []
    while batch := bus.claim(outbound_topic(channel), limit=100, consumer="reader"):
        replies += [OutboundMessage.from_payload(m.payload) for m in batch]
        bus.ack_many(batch)
    return replies


async def test_reply_lands_on_the_channels_topic_with_the_correlation_id(bus: Bus) -> None:
    router = ScriptedRouter()
    message = make_inbound("What are your opening hours?", platform_message_id="m1")
    publish_inbound(bus, message)

    assert await handle_all(bus, make_handler(bus, router)) == 1

    [reply] = outbound(bus)
    assert reply.text == "echo: What are your opening hours?"
    assert reply.correlation_id == message.correlation_id
    assert reply.conversation_id == "42"
    assert reply.reply_to == "m1"
    assert reply.received_at == message.received_at
    stats = bus.stats()
    assert stats[INBOUND].done == 1
    assert stats[INBOUND].ready == stats[INBOUND].claimed == 0


async def test_history_and_persona_reach_the_router(bus: Bus) -> None:
    router = ScriptedRouter()
    handler = make_handler(bus, router)
    publish_inbound(bus, make_inbound("first"))
    await handle_all(bus, handler)
    publish_inbound(bus, make_inbound("second"))
    publish_inbound(bus, make_inbound("hola", channel="whatsapp", conversation_id="p1:55"))
    await handle_all(bus, handler)

    by_channel = {conv.channel: conv for conv, _ in router.calls[1:]}
    telegram = by_channel["telegram"]
    assert [(t.role, t.text) for t in telegram.turns] == [
        ("user", "first"),
        ("assistant", "echo: first"),
        ("user", "second"),
    ]
    assert "support" in telegram.system
    assert "Casa Verde" in telegram.system
    whatsapp = by_channel["whatsapp"]
    assert [t.text for t in whatsapp.turns] == ["hola"]  # another conversation's history stays out
    assert "sales" in whatsapp.system
    assert [r.conversation_id for r in outbound(bus, "whatsapp")] == ["p1:55"]


async def test_deadline_starts_at_the_webhook_not_at_the_claim(bus: Bus) -> None:
    router = ScriptedRouter()
    received = time.time() - 12.0
    publish_inbound(bus, make_inbound("late one", received_at=received))
    await handle_all(bus, make_handler(bus, router, deadline_seconds=30.0))
    [(_, deadline)] = router.calls
    assert deadline == pytest.approx(received + 30.0)


async def test_photo_gets_a_polite_fixed_reply_without_the_router(bus: Bus) -> None:
    router = ScriptedRouter()
    publish_inbound(bus, make_inbound("", content_kind="image"))
    publish_inbound(bus, make_inbound("", content_kind="voice", conversation_id="7"))
    await handle_all(bus, make_handler(bus, router))
    replies = {r.conversation_id: r.text for r in outbound(bus)}
    assert router.calls == []
    assert "photo" in replies["42"]
    assert "text" in replies["42"]
    assert "voice message" in replies["7"]


async def test_router_failure_dead_letters_and_still_sends_a_holding_reply(bus: Bus) -> None:
    router = ScriptedRouter(fail=RuntimeError("chain misconfigured"))
    message = make_inbound("hello?")
    inbound_id = publish_inbound(bus, message)
    await handle_all(bus, make_handler(bus, router))

    [reply] = outbound(bus)
    assert reply.text == HOLDING_REPLY
    assert reply.correlation_id == message.correlation_id
    [dead] = bus.dead_letters(topic=INBOUND)
    assert dead.id == inbound_id
    assert dead.error is not None
    assert "chain misconfigured" in dead.error


async def test_malformed_payload_is_dead_lettered_with_the_reason(bus: Bus) -> None:
    bus.publish(INBOUND, {"channel": "telegram"}, key="telegram:1")
    bus.publish(INBOUND, [1, 2, 3], key="telegram:2")
    router = ScriptedRouter()
    await handle_all(bus, make_handler(bus, router))
    dead = bus.dead_letters(topic=INBOUND)
    assert len(dead) == 2
    assert all(d.error and d.error.startswith("malformed inbound payload") for d in dead)
    assert router.calls == []
    assert outbound(bus) == []


async def test_a_repeated_routing_never_makes_two_replies(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(time.time())
    with Bus.from_url(db_url, clock=clock) as bus:
        router = ScriptedRouter()
        handler = make_handler(bus, router)
        publish_inbound(bus, make_inbound("are you there?"))
        [first] = bus.claim(INBOUND, lease=5.0, consumer="slow")
        clock.advance(6.0)  # the first worker's lease runs out before it commits
        [second] = bus.claim(INBOUND, lease=5.0, consumer="fast")
        await handler(second)
        await handler(first)  # its commit loses the lease and rolls back entirely

        assert len(router.calls) == 2
        assert len(outbound(bus)) == 1
        turns = ConversationMemory(bus.db, clock=bus.clock).recent("telegram:42")
        assert [t.role for t in turns] == ["user", "assistant"]
        assert bus.stats()[INBOUND].done == 1
