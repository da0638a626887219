from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from onebox_agent_telegram.channel import TELEGRAM_LIMITS
from onebox_agent_telegram.testing import FakeBotAPI, until
from onebox_bus import Bus
from onebox_bus.contracts import OutboundMessage, outbound_topic
from onebox_service import Pacer

pytestmark = pytest.mark.anyio

TOPIC = outbound_topic("telegram")


def publish(bus: Bus, chat: int | str, text: str, **fields: Any) -> int:
    reply = OutboundMessage(
        channel="telegram",
        conversation_id=str(chat),
        text=text,
        correlation_id=f"c-{chat}-{abs(hash(text)) % 10**8}",
        **fields,
    )
    return bus.publish(
        TOPIC, reply.to_payload(), key=reply.key, correlation_id=reply.correlation_id
    )


def settled(bus: Bus, count: int) -> bool:
    stats = bus.stats().get(TOPIC)
    return stats is not None and stats.done + stats.dead == count


async def test_delivery_rules(start_agent: Any, fake_api: FakeBotAPI) -> None:
    fake_api.block(3)
    fake_api.forget(4)
    fake_api.migrate(-5, -1005)
    fake_api.server_error(chat_id=6)
    fake_api.rate_limit(2, chat_id=7)
    long_text = "\n\n".join(f"Paragraph {i}." + " lorem ipsum" * 60 for i in range(12))
    async with start_agent(fake_api) as agent:
        bus = agent.runtime.bus
        publish(bus, 1, "Your order ships today.", reply_to="77")
        publish(bus, 2, long_text)
        publish(bus, 3, "to a user who blocked the bot")
        publish(bus, 4, "to a chat that does not exist")
        publish(bus, -5, "to a group that became a supergroup")
        publish(bus, 6, "after a 502")
        publish(bus, 7, "after a 429")
        await until(lambda: settled(bus, 7), within=20)
        publish(bus, 3, "again to the blocked user")
        await until(lambda: settled(bus, 8), within=10)
        dead = {d.key: d.error for d in bus.dead_letters(topic=TOPIC)}
        blocked = agent.chats.get("3")
        migrated = agent.chats.get("-5")

    assert fake_api.sent_texts(1) == ["Your order ships today."]
    assert fake_api.sent(1)[0].params["reply_parameters"]["message_id"] == 77
    parts = fake_api.sent_texts(2)
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == long_text
    assert fake_api.sent(2)[0].params.get("reply_parameters") is None

    assert set(dead) == {"telegram:3", "telegram:4"}
    assert "blocked" in dead["telegram:3"]
    assert "chat not found" in dead["telegram:4"]
    assert blocked is not None
    assert blocked.status == "blocked"
    assert len(fake_api.calls_to(3)) == 1  # the second reply was dead-lettered without a call

    assert fake_api.sent_texts(-1005) == ["to a group that became a supergroup"]
    assert migrated is not None
    assert migrated.migrated_to == "-1005"

    assert [c.status for c in fake_api.calls_to(6)] == [502, 200]
    first, second = fake_api.calls_to(7)
    assert first.status == 429
    assert second.status == 200
    assert second.at - first.at >= 2.0  # retry_after honoured, not guessed
    assert second.at - first.at < 4.0


async def test_parse_mode_escapes_and_falls_back_to_plain(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    text = "Total: 5.00 (incl. VAT)! See item #3 - thanks_a_lot"
    fake_api.fail(400, "Bad Request: can't parse entities: Can't find end of the entity", chat_id=9)
    async with start_agent(fake_api, telegram_parse_mode="MarkdownV2") as agent:
        publish(agent.runtime.bus, 8, text)
        publish(agent.runtime.bus, 9, text)
        await until(lambda: settled(agent.runtime.bus, 2))
    [escaped] = fake_api.sent(8)
    assert escaped.params["parse_mode"] == "MarkdownV2"
    assert escaped.params["text"] != text
    refused, plain = fake_api.calls_to(9)
    assert refused.status == 400
    assert plain.status == 200
    assert "parse_mode" not in plain.params
    assert plain.params["text"] == text


async def test_sandbox_records_replies_and_skips_the_secret_on_loopback(
    start_agent: Any, http: Any
) -> None:
    from onebox_agent_telegram import testing as tg

    async with start_agent(None, secret=None) as agent:
        assert agent.settings.sandbox
        response = await http.post(
            agent.url + "/webhook/telegram", content=tg.update_bytes(tg.message_update(1, 42))
        )
        assert response.status_code == 200
        assert len(agent.inbound()) == 1
        publish(agent.runtime.bus, 42, "a sandbox reply")
        await until(lambda: settled(agent.runtime.bus, 1))
        [record] = agent.runtime.deliveries.recent(channel="telegram")
    assert record.sandbox
    assert record.text == "a sandbox reply"
    assert record.status == "sent"


def scaled_pacing(speed: float) -> tuple[Pacer, Any]:
    """Telegram's limits on a clock running `speed` times faster, and the matching sleep."""
    pacer = Pacer(TELEGRAM_LIMITS, clock=lambda: time.monotonic() * speed)

    async def fast_sleep(seconds: float) -> None:
        await anyio.sleep(seconds / speed)

    return pacer, fast_sleep


# Arrival times at the fake include the trip through the agent's event loop, the thread pool
# and the loopback socket, which on a loaded 2-core machine can take up to half a second:
# one gap may shrink by that much, a run of sends may not (its span is checked against the
# limit). The very first sends after start also open the connections, so a warm-up round
# goes first.
JITTER = 0.5


async def test_burst_of_500_replies_to_20_chats_stays_within_limits(
    start_agent: Any, remote_fake: Any
) -> None:
    speed = 2.0  # Telegram's limits, twice as fast, so the burst takes seconds, not half a minute
    pacer, fast_sleep = scaled_pacing(speed)
    private = [1000 + i for i in range(15)]
    groups = [-100200 - i for i in range(5)]
    # as much as a minute allows for each group (19 + the warm-up), the rest round-robin over
    # the private chats
    targets = [g for g in groups for _ in range(19)] + [private[n % 15] for n in range(405)]
    async with start_agent(remote_fake, pacer=pacer, sleep=fast_sleep) as agent:
        bus = agent.runtime.bus
        for chat in private + groups:
            publish(bus, chat, f"warm-up {chat}")
        await until(lambda: settled(bus, 20), within=20)
        for n, chat in enumerate(targets):
            publish(bus, chat, f"reply {n}")
        await until(lambda: settled(bus, 520), within=50)
        assert bus.stats()[TOPIC].done == 520

    sent = await anyio.to_thread.run_sync(remote_fake.sent)
    sent = [r for r in sent if not r.params["text"].startswith("warm-up")]
    texts = [r.params["text"] for r in sent]
    assert sorted(texts) == sorted(f"reply {n}" for n in range(500))  # none lost, none twice
    slack = JITTER * speed
    for chat in private + groups:
        mine = [r for r in sent if r.params["chat_id"] == str(chat)]
        order = [int(r.params["text"].split()[1]) for r in mine]
        assert order == sorted(order)  # per-chat order kept
        times = [r.at * speed for r in mine]
        for i in range(len(times) - 2):
            assert times[i + 2] - times[i] >= 1.0  # never three in one second to a chat
        for run in (5, 10, len(times) - 1):  # and about one per second over every run
            for i in range(len(times) - run):
                assert times[i + run] - times[i] >= run - slack
    every = sorted(r.at * speed for r in sent)
    for run in (30, 60, 90):  # at most 30 per second overall
        for i in range(len(every) - run):
            assert every[i + run] - every[i] >= run / 30 - slack


async def test_group_gets_at_most_20_per_minute(start_agent: Any, fake_api: FakeBotAPI) -> None:
    speed = 30.0  # a minute takes two seconds
    pacer, fast_sleep = scaled_pacing(speed)
    async with start_agent(fake_api, pacer=pacer, sleep=fast_sleep) as agent:
        for n in range(26):
            publish(agent.runtime.bus, -100300, f"group reply {n}")
        await until(lambda: settled(agent.runtime.bus, 26), within=20)
    times = [r.at * speed for r in fake_api.sent(-100300)]
    assert len(times) == 26
    for i in range(len(times) - 20):
        assert times[i + 20] - times[i] >= 60.0 - JITTER * speed
    assert times[1] - times[0] >= 1.0 - JITTER * speed


async def test_a_reply_that_cannot_be_encoded_is_dead_lettered_at_once(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    """Issue 20 finding 9: an int64 overflow in a platform id was retried 5 times."""
    async with start_agent(fake_api) as agent:
        bus = agent.runtime.bus
        publish(bus, 11, "reply to an impossible message id", reply_to="9" * 25)
        publish(bus, 12, "a normal reply")
        await until(lambda: settled(bus, 2), within=20)
        [dead] = bus.dead_letters(topic=TOPIC)
    assert dead.key == "telegram:11"
    assert dead.attempts == 1
    assert "64-bit" in (dead.error or "")
    assert fake_api.sent_texts(11) == []
    assert fake_api.sent_texts(12) == ["a normal reply"]


async def test_a_typing_signal_becomes_send_chat_action_before_the_reply(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    async with start_agent(fake_api) as agent:
        bus = agent.runtime.bus
        signal = OutboundMessage(
            channel="telegram", conversation_id="1", text="", correlation_id="c-1",
            reply_to="77", signal="typing",
        )  # fmt: skip
        bus.publish(TOPIC, signal.to_payload(), key=signal.key, max_attempts=1)
        publish(bus, 1, "Your order ships today.", reply_to="77")
        fake_api.block(3)
        blocked = OutboundMessage(
            channel="telegram", conversation_id="3", text="", correlation_id="c-3",
            signal="typing",
        )  # fmt: skip
        bus.publish(TOPIC, blocked.to_payload(), key=blocked.key, max_attempts=1)
        await until(lambda: settled(bus, 3), within=20)
        dead = bus.dead_letters(topic=TOPIC)

    [action] = [c for c in fake_api.calls("sendChatAction") if c.status == 200]
    assert action.params == {"chat_id": "1", "action": "typing"}
    [sent] = fake_api.sent(1)
    assert action.at <= sent.at  # shown before the reply, never after it
    assert dead == []  # a failed signal (blocked chat) is dropped, not dead-lettered
    assert [c.status for c in fake_api.calls("sendChatAction") if c.params["chat_id"] == "3"] == [
        403
    ]
