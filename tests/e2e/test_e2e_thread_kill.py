"""SIGKILL each agent mid-conversation, with ``onebox up``: the owner's thread stays whole.

Three Telegram and three WhatsApp customers each send eight questions, the third one as a
voice note (real Ogg/Opus made with espeak-ng, downloaded by the agent's media stage with
the platform's protocol and transcribed by a fake speech server that takes its time), never
more than two of them unanswered at a time (webhooks keep arriving while replies go out,
paced per chat); a fake Groq on loopback answers each one. While a channel's agent is busy
with a voice note, the test SIGKILLs it (the real process, by its pid); the supervisor starts
it again and the note is fetched and transcribed again. The platforms redeliver a webhook
until it is answered 200, as they do. When every reply has reached the customers,
``GET /api/conversations/{id}`` (signed in) shows each conversation's thread: every customer
message (the note as its transcript) and every bot reply exactly once, in the order they
were sent (the question typed after the note is answered after it), the customer's marked as
such and each reply as the model's (Groq's).
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
from onebox_agent_telegram.testing import FakeBotAPI, message_json, message_update, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_router.testing import (
    AudioToolsMissing,
    FakeOpenAIServer,
    FakeTranscriptionServer,
    RecordedRequest,
    make_speech,
)

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
VOICE = 2
"""Which of a customer's messages is a voice note (the one after it is typed meanwhile)."""
TRANSCRIBING = 1.5
"""Seconds the fake speech server takes per note: the agent is killed in the middle."""


def question(conv: str, n: int) -> str:
    return f"Question {n} from {conv}: do you stock item {n}?"


def key(channel: str, conv: str) -> str:
    """The conversation's id in the owner's view (WhatsApp's names the business number)."""
    return f"telegram:{conv}" if channel == "telegram" else f"whatsapp:{wa.PHONE_NUMBER_ID}:{conv}"


def answer(request: RecordedRequest) -> str:
    return f"model says: {request.question}"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each customer's voice note (their question spoken), Ogg/Opus bytes by customer."""
    folder = tmp_path_factory.mktemp("notes")
    try:
        return {
            conv: make_speech(folder / conv, question(conv, VOICE)).ogg.read_bytes()
            for convs in CUSTOMERS.values()
            for conv in convs
        }
    except AudioToolsMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs real audio tools: {exc}")
        pytest.skip(f"real audio tools missing: {exc}")


Heard = list[tuple[str, float]]
"""Whose note each upload to the speech fake was, and when it came (monotonic seconds)."""
Fakes = tuple[FakeBotAPI, wa.FakeGraphApi, FakeOpenAIServer, FakeTranscriptionServer, Heard]


@pytest.fixture
def fakes(notes: dict[str, bytes]) -> Iterator[Fakes]:
    heard: Heard = []

    def transcript(request: RecordedRequest) -> str:
        """What the note says: the question it was made from (found by its bytes)."""
        conv = next(c for c, data in notes.items() if data in request.body)
        heard.append((conv, time.monotonic()))
        return question(conv, VOICE)

    with (
        FakeBotAPI() as bot,
        wa.FakeGraphApi() as graph,
        FakeOpenAIServer(flavour="groq", responder=answer) as groq,
        FakeTranscriptionServer(
            flavour="local", models=("whisper-small",), responder=transcript
        ) as speech,
    ):
        for conv, data in notes.items():
            bot.add_file(f"note-{conv}", data, file_path=f"voice/{conv}.oga")
            graph.add_media(f"note-{conv}", data, mime_type="audio/ogg; codecs=opus")
        # Every upload (and the one again after a kill) takes a while to be heard.
        speech.push(*(speech.slow(TRANSCRIBING) for _ in range(4 * len(notes))))
        yield bot, graph, groq, speech, heard


class Customers:
    """The customers' side: webhooks posted as the platforms do, replies read from the fakes."""

    def __init__(self, stack: UpStack, bot: FakeBotAPI, graph: wa.FakeGraphApi) -> None:
        self.stack = stack
        self.bot = bot
        self.graph = graph
        self.update_ids = iter(range(50_000, 10**9))
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()

    def write(self, channel: str, conv: str, n: int, http: httpx.Client) -> None:
        """Post message `n` and retry until the agent answers 200 (it may be dead)."""
        if channel == "telegram":
            with self.lock:
                update_id = next(self.update_ids)
            if n == VOICE:
                note = {"file_id": f"note-{conv}", "file_unique_id": f"u-{conv}",
                        "duration": 3, "mime_type": "audio/ogg"}  # fmt: skip
                update = {"update_id": update_id,
                          "message": message_json(int(conv), text=None, voice=note)}  # fmt: skip
            else:
                update = message_update(update_id, int(conv), question(conv, n))
            body = update_bytes(update)
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        else:
            if n == VOICE:
                content = {"id": f"note-{conv}", "mime_type": "audio/ogg; codecs=opus",
                           "voice": True, "sha256": "unchecked"}  # fmt: skip
                item = wa.inbound("audio", content, sender=conv, timestamp=time.time())
            else:
                item = wa.text(question(conv, n), sender=conv, timestamp=time.time())
            body = wa.meta_bytes(wa.payload(item))
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
                    self.write(channel, conv, n, http)
        except (AssertionError, httpx.HTTPError) as exc:  # reported by the test thread
            failures.append(exc)


def transcribing(heard: Heard, channel: str) -> bool:
    """Whether a note of the channel's customers is being heard now (uploaded less than a
    second ago: the answer takes `TRANSCRIBING`)."""
    now = time.monotonic()
    return any(c in CUSTOMERS[channel] and now - at < 1.0 for c, at in list(heard))


@pytest.mark.timeout(420)
def test_threads_stay_whole_and_in_order_when_each_agent_is_sigkilled(
    up_stack: Callable[..., UpStack], fakes: Fakes, tmp_path: Path
) -> None:
    bot, graph, groq, speech, heard = fakes
    # The free plan's per-minute limits would send some questions to the offline answer.
    routing = tmp_path / "routing.toml"
    routing.write_text(
        "[providers.groq]\nrequests_per_minute = 1e6\ntokens_per_minute = 1e9\n\n"
        '[transcription]\nchain = ["speech"]\n\n'
        f'[transcription.providers.speech]\nbase_url = "{speech.url}"\n'
        'model = "whisper-small"\nfree = true\n'
    )
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
        # Every question gets its own reply: a question sent while the one before is being
        # answered is not folded into that answer (bursts are tests/orchestrator's subject).
        "ONEBOX_BURST_POLICY": "off",
        # A killed agent's claimed replies and notes come back after these leases.
        "ONEBOX_TELEGRAM_SENDER_LEASE": "5",
        "ONEBOX_WHATSAPP_SENDER_LEASE": "5",
        "ONEBOX_VOICE_LEASE_SECONDS": "3",
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
            lambda c=channel: transcribing(heard, c),
            within=90,
            what=f"{channel} transcribing a voice note",
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
                shown: Any = http.get(f"/api/conversations/{key(channel, conv)}").json()
                said = [(m["role"], m["origin"], m["provider"], m["text"])
                        for m in shown["messages"]]  # fmt: skip
                want: list[tuple[str, str, str | None, str]] = []
                for n in range(MESSAGES):
                    want.append(("user", "customer", None, question(conv, n)))
                    want.append(("assistant", "model", "groq", f"model says: {question(conv, n)}"))
                assert said == want, (conv, said)
                assert shown["truncated"] is False
                times = [m["at"] for m in shown["messages"]]
                assert times == sorted(times)
    assert len(groq.requests) == 2 * total
    # Each agent was killed while a note of its own was being heard: it heard it again.
    uploads = Counter(conv for conv, _ in heard)
    for convs in CUSTOMERS.values():
        assert all(uploads[conv] >= 1 for conv in convs)
        assert any(uploads[conv] >= 2 for conv in convs), uploads
