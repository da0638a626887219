from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from onebox_bus import Bus, Database, Message
from onebox_bus.contracts import OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_metrics import Collector
from onebox_service import (
    DeliveryReceipt,
    DeliveryStore,
    PacingLimits,
    PermanentDeliveryError,
    RateLimited,
    SandboxChannel,
    Sender,
    TransientDeliveryError,
    sandbox_replies,
)
from onebox_service.testing import ScriptedChannel

TOPIC = outbound_topic("test")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


@pytest.fixture
def bus(db: Database, clock: FakeClock) -> Bus:
    return Bus(db, clock=clock)


def reply(conversation: str = "42", text: str = "hello", cid: str = "c1") -> bytes:
    return OutboundMessage(
        channel="test", conversation_id=conversation, text=text, correlation_id=cid
    ).to_payload()


def make_sender(
    bus: Bus,
    db: Database,
    channel: ScriptedChannel | SandboxChannel,
    clock: FakeClock,
    **kw: object,
) -> Sender:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    return Sender(
        bus=bus,
        channel=channel,
        deliveries=DeliveryStore(db, clock=clock),
        collector=Collector(service="test", db=None, clock=clock),
        clock=clock,
        sleep=sleep,
        **kw,  # type: ignore[arg-type]
    )


def claim_one(bus: Bus, topic: str = TOPIC) -> Message:
    (message,) = bus.claim(topic, limit=1)
    return message


@pytest.mark.anyio
async def test_success_records_delivery_and_acks(bus: Bus, db: Database, clock: FakeClock) -> None:
    channel = ScriptedChannel("test", [DeliveryReceipt(platform_message_ids=("p1", "p2"))])
    sender = make_sender(bus, db, channel, clock)
    bus.publish(TOPIC, reply(), correlation_id="c1")
    await sender.handle(claim_one(bus))
    assert bus.stats()[TOPIC].done == 1
    rows = sender.deliveries.by_correlation("c1")
    assert [(r.platform_message_id, r.status, r.sandbox, r.text) for r in rows] == [
        ("p1", "sent", False, None),
        ("p2", "sent", False, None),
    ]


@pytest.mark.anyio
async def test_rate_limited_retries_after_exactly(bus: Bus, db: Database, clock: FakeClock) -> None:
    channel = ScriptedChannel("test", [RateLimited(17.0)])
    sender = make_sender(bus, db, channel, clock)
    bus.publish(TOPIC, reply())
    await sender.handle(claim_one(bus))
    clock.advance(16.9)
    assert bus.claim(TOPIC) == []
    clock.advance(0.2)
    again = claim_one(bus)
    assert again.attempt == 2
    # the pacer holds that conversation as long as the platform asked
    assert sender.pacer.delay("42") == pytest.approx(0.0, abs=0.11)
    await sender.handle(again)
    assert bus.stats()[TOPIC].done == 1
    assert len(channel.calls) == 2


@pytest.mark.anyio
async def test_permanent_error_dead_letters_with_reason(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel(
        "test", [PermanentDeliveryError("Forbidden: bot was blocked by the user")]
    )
    sender = make_sender(bus, db, channel, clock)
    bus.publish(TOPIC, reply(cid="c9"), correlation_id="c9")
    await sender.handle(claim_one(bus))
    (dead,) = bus.dead_letters(topic=TOPIC)
    assert dead.error == "Forbidden: bot was blocked by the user"
    (row,) = sender.deliveries.by_correlation("c9")
    assert (row.status, row.error) == ("failed", "Forbidden: bot was blocked by the user")


@pytest.mark.anyio
async def test_transient_error_backs_off_then_dies_after_max_attempts(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel("test", [TransientDeliveryError("502 Bad Gateway")] * 2)
    sender = make_sender(bus, db, channel, clock)
    bus.publish(TOPIC, reply(), max_attempts=2)
    await sender.handle(claim_one(bus))
    assert bus.stats()[TOPIC].ready == 1
    clock.advance(600)
    await sender.handle(claim_one(bus))
    (dead,) = bus.dead_letters(topic=TOPIC)
    assert dead.error == "502 Bad Gateway"


@pytest.mark.anyio
async def test_redelivery_after_recorded_send_is_not_sent_again(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel("test")
    sender = make_sender(bus, db, channel, clock, lease=30.0)
    bus.publish(TOPIC, reply())
    first = claim_one(bus)
    # a crash after the delivery record committed but before the ack
    sender.deliveries.record_sent(
        channel="test",
        conversation_id="42",
        correlation_id="c1",
        receipt=DeliveryReceipt(platform_message_ids=("p1",)),
        bus_message_id=first.id,
    )
    clock.advance(31)
    await sender.handle(claim_one(bus))
    assert channel.calls == []
    assert bus.stats()[TOPIC].done == 1


@pytest.mark.anyio
async def test_undecodable_payload_is_dead_lettered(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    sender = make_sender(bus, db, ScriptedChannel("test"), clock)
    bus.publish(TOPIC, {"nonsense": True})
    await sender.handle(claim_one(bus))
    (dead,) = bus.dead_letters(topic=TOPIC)
    assert dead.error is not None
    assert dead.error.startswith("undecodable reply")


@pytest.mark.anyio
async def test_pacing_spaces_sends_to_one_conversation(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel("test", clock=clock)
    sender = make_sender(
        bus, db, channel, clock, limits=PacingLimits(per_key_interval=1.0, global_per_second=30)
    )
    for i in range(3):
        bus.publish(TOPIC, reply(conversation="7", cid=f"c{i}"), key="test:7")
        await sender.handle(claim_one(bus))
    times = [t for t, _ in channel.calls]
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.0, 1.0]


@pytest.mark.anyio
async def test_sandbox_records_replies_with_text(bus: Bus, db: Database, clock: FakeClock) -> None:
    sender = make_sender(bus, db, SandboxChannel("test", clock=clock), clock)
    bus.publish(TOPIC, reply(text="hi there", cid="sb1"), correlation_id="sb1")
    await sender.handle(claim_one(bus))
    (row,) = sandbox_replies(sender.deliveries, "sb1")
    assert (row.status, row.sandbox, row.text) == ("sent", True, "hi there")


def typing_signal(conversation: str = "42") -> bytes:
    return OutboundMessage(
        channel="test", conversation_id=conversation, text="", correlation_id="c1",
        reply_to="m1", signal="typing",
    ).to_payload()  # fmt: skip


@pytest.mark.anyio
async def test_a_typing_signal_is_shown_once_and_acked_without_a_delivery(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel("test")
    sender = make_sender(bus, db, channel, clock)
    bus.publish(TOPIC, typing_signal(), key="test:42", max_attempts=1)
    await sender.handle(claim_one(bus))
    assert [s.reply_to for s in channel.typing] == ["m1"]
    assert channel.calls == []  # not a reply: no send, no pacing, no delivery record
    assert sender.deliveries.by_correlation("c1") == []
    assert bus.stats()[TOPIC].done == 1


@pytest.mark.anyio
async def test_a_stale_or_redelivered_typing_signal_is_dropped_never_dead_lettered(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    channel = ScriptedChannel("test")
    sender = make_sender(bus, db, channel, clock, signal_ttl=5.0)
    bus.publish(TOPIC, typing_signal("1"), key="test:1", max_attempts=1)
    clock.advance(6.0)  # the reply may be out by now: showing "typing" would be a lie
    await sender.handle(claim_one(bus))
    bus.publish(TOPIC, typing_signal("2"), key="test:2", max_attempts=2)
    # a crash after the call: the lease ran out; the next attempt, still fresh, is dropped
    bus.nack(claim_one(bus), "lease expired", retry_after=0.0)
    redelivered = claim_one(bus)
    assert redelivered.attempt == 2
    await sender.handle(redelivered)
    assert channel.typing == []
    stats = bus.stats()[TOPIC]
    assert (stats.done, stats.dead) == (2, 0)


@pytest.mark.anyio
async def test_a_channel_without_typing_acks_the_signal(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    sender = make_sender(bus, db, SandboxChannel("test", clock=clock), clock)
    bus.publish(TOPIC, typing_signal(), key="test:42", max_attempts=1)
    await sender.handle(claim_one(bus))
    stats = bus.stats()[TOPIC]
    assert (stats.done, stats.dead) == (1, 0)
