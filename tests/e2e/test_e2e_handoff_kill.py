"""SIGKILL the Telegram and the WhatsApp agent in the middle of handoffs, with ``onebox up``.

Eight customers (four on each channel) are handed to a person; then, over three rounds, each
customer writes (relayed to the operator chat) and the operator answers each one (sent to the
customer), while the test SIGKILLs the Telegram agent, then the WhatsApp agent, then both, as
messages flow; the supervisor restarts them. The platforms redeliver a webhook until it is
answered 200, as they do. Every relay and every operator reply arrives, in order per
conversation, and none twice, except a send the platform had already accepted when its
sender died (the one window no sender can close: `onebox_service.sender`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest
from onebox_agent_telegram.testing import FakeBotAPI, message_update, reply_update, update_bytes
from onebox_agent_whatsapp import testing as wa

from .conftest import UpStack, wait_for
from .test_e2e_handoff import OPERATOR_CHAT, SECRET, stack_env

pytestmark = pytest.mark.slow

WHATSAPP = [f"1555123{n:04d}" for n in range(4)]
TELEGRAM = [str(880_000 + n) for n in range(4)]
ROUNDS = (("telegram",), ("whatsapp",), ("telegram", "whatsapp"))
IN_FLIGHT = 1.0
"""Seconds before a kill in which a send may have reached the platform unrecorded."""


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi]]:
    with FakeBotAPI() as bot, wa.FakeGraphApi() as graph:
        yield bot, graph


class Platforms:
    """Posts webhooks as Telegram and Meta do: again until answered 200 (an agent may be dead)."""

    def __init__(self, stack: UpStack) -> None:
        self.stack = stack
        self.update_ids = iter(range(90_000, 10**9))
        self.http = httpx.Client(timeout=5)

    def deliver(self, channel: str, body: bytes, headers: dict[str, str]) -> None:
        url = f"{self.stack.urls[channel]}/webhook/{channel}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if self.http.post(url, content=body, headers=headers).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{channel} never accepted a webhook")

    def customer(self, conv: str, text: str) -> None:
        if conv in WHATSAPP:
            body = wa.meta_bytes(wa.payload(wa.text(text, sender=conv, timestamp=time.time())))
            self.deliver("whatsapp", body, wa.signed_headers(body))
        else:
            update = message_update(next(self.update_ids), int(conv), text)
            self.telegram(update)

    def operator(self, text: str, *, reply_to: int) -> None:
        update = reply_update(next(self.update_ids), OPERATOR_CHAT, text, reply_to=reply_to)
        self.telegram(update)

    def telegram(self, update: dict[str, object]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        self.deliver("telegram", update_bytes(update), headers)


@pytest.mark.timeout(600)
def test_sigkilled_agents_mid_handoff_lose_no_relay_and_send_none_twice(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    # A killed Telegram sender's claims come back after this lease (WhatsApp's is fixed).
    stack = up_stack({**stack_env(bot, graph), "ONEBOX_TELEGRAM_SENDER_LEASE": "5"})
    platforms = Platforms(stack)
    customers = WHATSAPP + TELEGRAM

    def operator_chat() -> list[str]:
        return [text for _, text in bot.posts(OPERATOR_CHAT)]

    def to_customer(conv: str) -> list[str]:
        if conv in WHATSAPP:
            return [r.body["text"]["body"] for r in graph.texts() if r.body["to"] == conv]
        return [text for _, text in bot.posts(conv)]

    for conv in customers:
        platforms.customer(conv, f"Can I talk to a person please? ({conv})")
    wait_for(lambda: len(operator_chat()) == len(customers), within=90, what="8 posts")
    post_of = {
        conv: post_id
        for post_id, text in bot.posts(OPERATOR_CHAT)
        for conv in customers
        if f"please? ({conv})" in text
    }
    assert len(post_of) == len(customers)

    kills: list[tuple[str, float]] = []
    for number, victims in enumerate(ROUNDS):
        relays = [f"round {number} from {conv}" for conv in customers]
        answers = [f"round {number} to {conv}" for conv in customers]

        def send_round(number: int = number) -> None:
            for conv in customers:
                platforms.customer(conv, f"round {number} from {conv}")
                platforms.operator(f"round {number} to {conv}", reply_to=post_of[conv])

        def arrived(relays: list[str] = relays, answers: list[str] = answers) -> int:
            seen = set(operator_chat())
            got = sum(any(r in text for text in seen) for r in relays)
            return got + sum(a in to_customer(a.rsplit(" ", 1)[1]) for a in answers)

        sender = threading.Thread(target=send_round, daemon=True)
        sender.start()
        wait_for(lambda: arrived() >= 4, within=90, what=f"round {number} flowing")
        for service in victims:
            before = stack.state()["services"][service]["restarts"]
            os.kill(stack.pid(service), signal.SIGKILL)
            kills.append((service, time.monotonic()))
            wait_for(
                lambda s=service, b=before: stack.state()["services"][s]["restarts"] > b,
                within=30,
                what=f"{service} restarted",
            )
        sender.join(timeout=120)
        assert not sender.is_alive()
        wait_for(lambda: arrived() == 2 * len(customers), within=120, what=f"round {number}")
    platforms.http.close()

    # Every relay and every operator reply arrived, in order per conversation.
    for conv in customers:
        relayed = [t.rsplit("\n", 1)[1] for t in operator_chat() if f" from {conv}" in t]
        assert sorted(set(relayed)) == [f"round {n} from {conv}" for n in range(3)]
        assert sorted(set(relayed), key=relayed.index) == sorted(set(relayed))
        answered = [t for t in to_customer(conv) if t.startswith("round ")]
        assert sorted(set(answered), key=answered.index) == [
            f"round {n} to {conv}" for n in range(3)
        ]

    # None twice, but for a send the platform accepted just before its sender was killed.
    telegram_sends = [((str(r.params["chat_id"]), r.params["text"]), r.at) for r in bot.sent()]
    whatsapp_sends = [
        ((r.body["to"], r.body["text"]["body"]), r.arrived_monotonic) for r in graph.texts()
    ]
    twice = 0
    for channel, sends in (("telegram", telegram_sends), ("whatsapp", whatsapp_sends)):
        counts = Counter(sent for sent, _ in sends)
        killed = [at for service, at in kills if service == channel]
        for sent, n in counts.items():
            if n == 1:
                continue
            first = min(at for s, at in sends if s == sent)
            assert n == 2, (channel, sent, n)
            assert any(at - IN_FLIGHT < first < at + 0.3 for at in killed), (channel, sent)
            twice += 1
    print(f"\nhandoff kills: {len(kills)}, sends repeated from the in-flight window: {twice}")
