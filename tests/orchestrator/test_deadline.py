"""The processing window on the real app: fake Groq on loopback, counted from the webhook."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from litestar import Litestar
from onebox_bus import Bus, Database
from onebox_bus.contracts import INBOUND, OutboundMessage
from onebox_orchestrator import ConversationMemory
from onebox_orchestrator.app import create_app
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_orchestrator.testing import make_inbound, publish_inbound, serve_app
from onebox_router import RouterSettings, build_router
from onebox_router.testing import FakeOpenAIServer

pytestmark = pytest.mark.anyio

DEADLINE = 2.0
COMMIT_MARGIN = 1.0
"""What the commit after the router's answer may add to the deadline."""


async def wait_until_done(bus: Bus, count: int) -> None:
    with anyio.fail_after(30):
        while True:
            stats = bus.stats().get(INBOUND)
            if stats is not None and stats.done >= count:
                return
            await anyio.sleep(0.02)


def replies(db_url: str) -> list[tuple[OutboundMessage, float]]:
    """Every reply on ``outbound.telegram`` with the time its row was committed."""
    with Database(db_url) as db:
        rows = (
            db.connection()
            .exec_driver_sql(
                "SELECT payload, created_at FROM bus_messages WHERE topic = 'outbound.telegram' "
                "ORDER BY id"
            )
            .fetchall()
        )
    replies = [(OutboundMessage.from_payload(bytes(p)), float(t)) for p, t in rows]
    return [(r, t) for r, t in replies if r.signal is None]  # not the typing signals


@pytest.fixture
def groq() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(flavour="groq") as server:
        yield server


@pytest.fixture
async def app(db_url: str, groq: FakeOpenAIServer, tmp_path: Path) -> AsyncIterator[Litestar]:
    faq = tmp_path / "faq.md"
    faq.write_text("Q: What are your opening hours?\nA: Monday to Friday, 9:00 to 19:00.\n")
    db = Database(db_url)
    router_settings = RouterSettings(
        groq_api_key=groq.api_key, groq_base_url=groq.url, faq_file=faq
    )
    async with httpx.AsyncClient() as http:
        router = build_router(router_settings, http=http, db=db)
        settings = OrchestratorSettings(
            database_url=db_url,
            deadline_seconds=DEADLINE,
            idle_poll_seconds=0.05,
            burst_policy="off",
        )
        yield create_app(settings, router=router)
        await router.aclose()
    db.close()


def provider_of(bus: Bus, key: str) -> str | None:
    return ConversationMemory(bus.db, clock=bus.clock).recent(key)[-1].provider


async def test_a_hanging_provider_still_yields_a_reply_within_the_deadline(
    bus: Bus, db_url: str, app: Litestar, groq: FakeOpenAIServer
) -> None:
    groq.push(groq.hang())
    message = make_inbound("Can you tell me if the ficus is good for a dark office?")
    publish_inbound(bus, message)
    async with serve_app(app):
        await wait_until_done(bus, 1)
    [(reply, committed_at)] = replies(db_url)
    assert len(groq.requests) == 1  # the provider was asked, and never answered
    assert reply.correlation_id == message.correlation_id
    assert reply.text
    assert provider_of(bus, message.key) == "offline"
    assert committed_at <= message.received_at + DEADLINE + COMMIT_MARGIN


async def test_a_message_past_its_window_gets_the_offline_answer_at_once(
    bus: Bus, db_url: str, app: Litestar, groq: FakeOpenAIServer
) -> None:
    late = make_inbound("What are your opening hours?", received_at=time.time() - 60)
    fresh = make_inbound("Do you deliver plants on weekends?", conversation_id="43")
    publish_inbound(bus, late)
    publish_inbound(bus, fresh)
    async with serve_app(app):
        await wait_until_done(bus, 2)
    texts = {r.conversation_id: r.text for r, _ in replies(db_url)}
    assert provider_of(bus, late.key) == "offline"
    assert "Monday to Friday" in texts["42"]  # the FAQ answer, not silence
    assert provider_of(bus, fresh.key) == "groq"
    assert texts["43"] == "Answer to: Do you deliver plants on weekends?"
    assert [r.question for r in groq.requests] == ["Do you deliver plants on weekends?"]


async def test_the_router_sees_the_channel_persona_and_the_history(
    bus: Bus, app: Litestar, groq: FakeOpenAIServer
) -> None:
    publish_inbound(bus, make_inbound("Hi, do you sell cactus?"))
    async with serve_app(app):
        await wait_until_done(bus, 1)
        publish_inbound(bus, make_inbound("And how much is the small one?"))
        await wait_until_done(bus, 2)
    last = groq.requests[-1].json
    messages = [(m["role"], m["content"]) for m in last["messages"]]
    assert messages[0][0] == "system"
    assert "customer support assistant" in messages[0][1]
    assert messages[1:] == [
        ("user", "Hi, do you sell cactus?"),
        ("assistant", "Answer to: Hi, do you sell cactus?"),
        ("user", "And how much is the small one?"),
    ]
