"""SIGKILL each agent mid-conversation, with ``onebox up``: the owner's thread stays whole.

Three Telegram and three WhatsApp customers each write eight questions, never more than two
of them unanswered at a time (webhooks keep arriving while replies go out, paced per chat),
and a fake Groq on loopback answers each one. Once a few replies are out on a channel, the
test SIGKILLs that channel's agent (the real process, by its pid); the supervisor starts it
again. The platforms redeliver a webhook until it is answered 200, as they do. When every
reply has reached the customers, ``GET /api/conversations/{id}`` (signed in) shows each
conversation's thread: every customer message and every bot reply exactly once, in the order
they were written, the customer's marked as such and each reply as the model's (Groq's).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from onebox_agent_telegram.testing import FakeBotAPI, message_update, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_router.testing import FakeOpenAIServer, RecordedRequest

from .conftest import UpStack, wait_for

pytestmark = pytest.mark.slow

SECRET = "e2e-thread-kill-secret"
TOKEN = "e2e-thread-kill-admin-token"
CUSTOMERS = {
    "telegram": [str(770_000 + n) for n in range(3)],
    "whatsapp": [f"1555987{n:04d}" for n in range(3)],
}
MESSAGES = 8
UNANSWERED = 2
"""A customer writes the next message once at most this many of theirs are unanswered."""
KILL_AFTER = 6
"""Replies delivered on a channel before its agent is killed (of 24)."""


def question(conv: str, n: int) -> str:
    return f"Question {n} from {conv}: do you stock item {n}?"


def key(channel: str, conv: str) -> str:
    """The conversation's id in the owner's view (WhatsApp's names the business number)."""
    return f"telegram:{conv}" if channel == "telegram" else f"whatsapp:{wa.PHONE_NUMBER_ID}:{conv}"


def answer(request: RecordedRequest) -> str:
    return f"model says: {request.question}"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi, FakeOpenAIServer]]:
    with (
        FakeBotAPI() as bot,
        wa.FakeGraphApi() as graph,
        FakeOpenAIServer(flavour="groq", responder=answer) as groq,
    ):
        yield bot, graph, groq


class Customers:
    """The customers' side: webhooks posted as the platforms do, replies read from the fakes."""

    def __init__(self, stack: UpStack, bot: FakeBotAPI, graph: wa.FakeGraphApi) -> None:
        self.stack = stack
        self.bot = bot
        self.graph = graph
        self.update_ids = iter(range(50_000, 10**9))
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()

    def write(self, channel: str, conv: str, text: str, http: httpx.Client) -> None:
        """Post one message and retry until the agent answers 200 (it may be dead)."""
        if channel == "telegram":
            with self.lock:
                update_id = next(self.update_ids)
            body = update_bytes(message_update(update_id, int(conv), text))
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        else:
            body = wa.meta_bytes(wa.payload(wa.text(text, sender=conv, timestamp=time.time())))
            headers = wa.signed_headers(body)
        url = f"{self.stack.urls[channel]}/webhook/{channel}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if http.post(url, content=body, headers=headers).status_code == 200:
                    with self.lock:
                        self.accepted[channel] += 1
                    return
            except httpx.TransportError:
                pass  # the agent is down: the platform tries again
            time.sleep(0.05)  # the platform's retry interval, not a synchronisation
        raise AssertionError(f"{channel} never accepted a webhook")

    def replies(self, channel: str, conv: str) -> list[str]:
        if channel == "telegram":
            return self.bot.sent_texts(conv)
        return [r.body["text"]["body"] for r in self.graph.texts() if r.body["to"] == conv]

    def delivered(self, channel: str) -> int:
        return sum(len(set(self.replies(channel, conv))) for conv in CUSTOMERS[channel])

    def converse(self, channel: str, conv: str, failures: list[Exception]) -> None:
        try:
            with httpx.Client(timeout=5) as http:
                for n in range(MESSAGES):
                    wait_for(
                        lambda n=n: len(set(self.replies(channel, conv))) >= n - UNANSWERED,
                        within=120,
                        what=f"{conv}'s replies before message {n}",
                    )
                    self.write(channel, conv, question(conv, n), http)
        except (AssertionError, httpx.HTTPError) as exc:  # reported by the test thread
            failures.append(exc)


@pytest.mark.timeout(420)
def test_threads_stay_whole_and_in_order_when_each_agent_is_sigkilled(
    up_stack: Callable[..., UpStack],
    fakes: tuple[FakeBotAPI, wa.FakeGraphApi, FakeOpenAIServer],
    tmp_path: Path,
) -> None:
    bot, graph, groq = fakes
    # The free plan's per-minute limits would send some questions to the offline answer.
    routing = tmp_path / "routing.toml"
    routing.write_text("[providers.groq]\nrequests_per_minute = 1e6\ntokens_per_minute = 1e9\n")
    stack = up_stack({
        "ONEBOX_TELEGRAM_BOT_TOKEN": bot.token,
        "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
        "ONEBOX_TELEGRAM_API_URL": bot.url,
        "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ONEBOX_WHATSAPP_API_URL": graph.url,
        "ONEBOX_GROQ_API_KEY": groq.api_key,
        "ONEBOX_GROQ_BASE_URL": groq.url,
        "ONEBOX_ROUTING_FILE": str(routing),
        "ONEBOX_ADMIN_TOKEN": TOKEN,
        # A killed sender's claimed replies come back after this lease.
        "ONEBOX_TELEGRAM_SENDER_LEASE": "5",
        "ONEBOX_WHATSAPP_SENDER_LEASE": "5",
    })  # fmt: skip
    customers = Customers(stack, bot, graph)
    failures: list[Exception] = []
    threads = [
        threading.Thread(target=customers.converse, args=(channel, conv, failures), daemon=True)
        for channel, convs in CUSTOMERS.items()
        for conv in convs
    ]
    for thread in threads:
        thread.start()

    total = len(CUSTOMERS["telegram"]) * MESSAGES
    for channel in CUSTOMERS:
        wait_for(
            lambda c=channel: customers.delivered(c) >= KILL_AFTER,
            within=90,
            what=f"{channel} replies flowing",
        )
        before = stack.state()["services"][channel]["restarts"]
        os.kill(stack.pid(channel), signal.SIGKILL)
        # Mid-conversation: customers still had messages to write and replies to get.
        assert customers.accepted[channel] < total
        assert customers.delivered(channel) < total
        wait_for(
            lambda c=channel, b=before: stack.state()["services"][c]["restarts"] > b,
            within=30,
            what=f"{channel} restarted",
        )

    for thread in threads:
        thread.join(timeout=180)
        assert not thread.is_alive()
    assert not failures, failures
    for channel, convs in CUSTOMERS.items():
        for conv in convs:
            expected = [f"model says: {question(conv, n)}" for n in range(MESSAGES)]
            wait_for(
                lambda c=channel, v=conv, e=expected: set(customers.replies(c, v)) == set(e),
                within=120,
                what=f"every reply to {conv}",
            )
            got = customers.replies(channel, conv)
            # In order; a send the platform took just before its sender died may come twice.
            assert sorted(set(got), key=got.index) == expected
            assert max(Counter(got).values()) <= 2, Counter(got)

    orchestrator = stack.urls["orchestrator"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=orchestrator, headers=auth, timeout=10) as http:
        listed = http.get("/api/conversations", params={"limit": 50}).json()["conversations"]
        assert sorted((c["channel"], c["id"]) for c in listed) == sorted(
            (channel, key(channel, conv)) for channel, convs in CUSTOMERS.items() for conv in convs
        )
        for channel, convs in CUSTOMERS.items():
            for conv in convs:
                thread: Any = http.get(f"/api/conversations/{key(channel, conv)}").json()
                said = [(m["role"], m["origin"], m["provider"], m["text"])
                        for m in thread["messages"]]  # fmt: skip
                want: list[tuple[str, str, str | None, str]] = []
                for n in range(MESSAGES):
                    want.append(("user", "customer", None, question(conv, n)))
                    want.append(("assistant", "model", "groq", f"model says: {question(conv, n)}"))
                assert said == want, (conv, said)
                assert thread["truncated"] is False
                times = [m["at"] for m in thread["messages"]]
                assert times == sorted(times)
    assert len(groq.requests) == 2 * total
