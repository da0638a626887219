"""The running orchestrator follows the owner's FAQ edits with no restart.

A real app (Litestar, lifespan workers) on a real SQLite file with the real router; the edit
is made by the real ``onebox faq add`` in another process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import orjson
import pytest
from onebox_bus import Bus, Database
from onebox_bus.contracts import OutboundMessage, outbound_topic
from onebox_orchestrator.app import create_app
from onebox_orchestrator.persona import Personas, faq_text
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_orchestrator.testing import make_inbound, publish_inbound, serve_app
from onebox_router import CacheAdmin, RouterSettings, StoredFaq, build_router, open_faq
from onebox_router.offline import FALLBACK_TEXT
from onebox_router.testing import FakeOpenAIServer, RecordedRequest

pytestmark = pytest.mark.anyio

FAQ = "Q: What are your opening hours?\nA: We are open Monday to Friday, 9:00 to 19:00.\n"
QUESTION = "Do you sell gift cards?"
ANSWER = "Yes, gift cards from 10 euros, in the shop or by post."
NOT_SURE = "I am not sure about that."


def onebox_faq_add(url: str, question: str, answer: str) -> dict[str, object]:
    """``onebox faq add`` in its own process, as the owner would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    done = subprocess.run(
        [sys.executable, "-m", "onebox.cli", "--database-url", url, "faq", "add",
         "--question", question, "--answer", answer, "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = orjson.loads(done.stdout)
    return result


async def ask(bus: Bus, text: str, chat: str) -> OutboundMessage:
    """Publish `text` from a new chat and wait (with a deadline) for its reply."""
    message = make_inbound(text, conversation_id=chat)
    publish_inbound(bus, message)
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        batch = bus.claim(outbound_topic("telegram"), limit=10, consumer="sender")
        bus.ack_many(batch)
        for got in (OutboundMessage.from_payload(m.payload) for m in batch):
            if got.reply_to == message.platform_message_id:
                return got
        await anyio.sleep(0.02)
    raise AssertionError(f"no reply to {text!r} before the deadline")


@asynccontextmanager
async def running(db_url: str, settings: RouterSettings) -> AsyncIterator[Database]:
    """The orchestrator as ``main()`` wires it (FAQ seeded from the file, then followed)."""
    db = Database(db_url)
    try:
        faq = open_faq(settings, db)
        async with httpx.AsyncClient() as http:
            router = build_router(settings, http=http, db=db, faq=faq)
            app = create_app(
                OrchestratorSettings(
                    database_url=db_url, deadline_seconds=10.0, idle_poll_seconds=0.05
                ),
                router=router,
                faq=faq,
            )
            try:
                async with serve_app(app):
                    yield db
            finally:
                await router.aclose()
    finally:
        db.close()


@pytest.fixture
def faq_file(tmp_path: Path) -> Path:
    path = tmp_path / "faq.md"
    path.write_text(FAQ)
    return path


async def test_an_unanswered_question_is_answered_from_the_entry_added_by_the_cli(
    db_url: str, bus: Bus, faq_file: Path
) -> None:
    async with running(db_url, RouterSettings(faq_file=faq_file)):
        known = await ask(bus, "What are your opening hours?", "1")
        assert known.text == "We are open Monday to Friday, 9:00 to 19:00."  # seeded from the file
        first = await ask(bus, QUESTION, "2")
        assert first.text == FALLBACK_TEXT

        added = onebox_faq_add(db_url, QUESTION, ANSWER)
        assert added["source"] == "owner"

        again = await ask(bus, QUESTION, "3")
        assert again.text == ANSWER
        other = await ask(bus, "Do you repair bicycles?", "4")
        assert other.text == FALLBACK_TEXT  # the new entry answers its own question only


@pytest.fixture
def model() -> Iterator[FakeOpenAIServer]:
    """A model that answers from the FAQ in its system prompt, and is unsure otherwise."""

    def respond(request: RecordedRequest) -> str:
        messages = request.json["messages"]
        system = next(m["content"] for m in messages if m["role"] == "system")
        marker = f"Q: {request.question}\nA: "
        if marker not in system:
            return NOT_SURE
        return system.split(marker, 1)[1].split("\n", 1)[0]

    with FakeOpenAIServer(flavour="groq", responder=respond) as server:
        yield server


async def test_a_cached_answer_the_new_entry_supersedes_is_not_served_again(
    db_url: str, bus: Bus, faq_file: Path, model: FakeOpenAIServer
) -> None:
    settings = RouterSettings(
        faq_file=faq_file, groq_api_key="gsk_test_key", groq_base_url=model.url
    )
    async with running(db_url, settings) as db:
        first = await ask(bus, QUESTION, "1")
        assert first.text == NOT_SURE
        await wait_until(lambda: CacheAdmin(db).count() == 1)
        cached = await ask(bus, QUESTION, "2")
        assert cached.text == NOT_SURE
        assert len(model.requests) == 1  # the second answer came from the cache

        added = onebox_faq_add(db_url, QUESTION, ANSWER)
        assert added["superseded"] == 1

        fresh = await ask(bus, QUESTION, "3")
        assert fresh.text == ANSWER
        assert len(model.requests) == 2
        system = model.requests[-1].json["messages"][0]["content"]
        assert f"Q: {QUESTION}\nA: {ANSWER}" in system


async def wait_until(check: Callable[[], bool], *, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await anyio.sleep(0.02)


def test_the_personas_show_the_current_entries_and_key_the_cache_without_them() -> None:
    entries = [
        StoredFaq(id=1, question="Do you deliver?", answer="Yes, daily.", source="file",
                  created_at=0.0),
        StoredFaq(id=2, question="Gift cards?", answer="Yes <b>10 €</b>.", source="owner",
                  created_at=0.0),
    ]  # fmt: skip
    text, left_out = faq_text(entries)
    assert text == "Q: Gift cards?\nA: Yes <b>10 €</b>.\n\nQ: Do you deliver?\nA: Yes, daily."
    assert left_out == 0
    before = Personas(business="Casa Verde", faq="Q: Old?\nA: Old.")
    after = before.with_faq(text)
    assert "Q: Old?" in before.system_prompt("telegram")
    assert "Q: Old?" not in after.system_prompt("telegram")
    assert text in after.system_prompt("telegram")
    scope = after.system_prompt("telegram", with_faq=False)
    assert "Q: " not in scope
    assert scope == before.system_prompt("telegram", with_faq=False)  # an edit keeps the key


def test_a_full_prompt_keeps_whole_entries_and_the_newest_owner_entries_first() -> None:
    entries = [
        StoredFaq(id=i, question=f"Question {i}?", answer="x" * 90,
                  source="file" if i < 5 else "owner", created_at=0.0)
        for i in range(1, 9)
    ]  # fmt: skip
    text, left_out = faq_text(entries, limit=350)
    assert left_out == 5
    assert [line for line in text.splitlines() if line.startswith("Q: ")] == [
        "Q: Question 8?", "Q: Question 7?", "Q: Question 6?",
    ]  # fmt: skip
    assert len(text) <= 350
