"""The real app (Litestar, lifespan workers) on a real SQLite file, with the real router."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from onebox_bus import Bus, Database
from onebox_bus.contracts import INBOUND, OutboundMessage, outbound_topic
from onebox_orchestrator.app import create_app
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_orchestrator.testing import make_inbound, publish_inbound, serve_app
from onebox_router import RouterSettings, build_router

pytestmark = pytest.mark.anyio

TOKEN = "admin-token-for-tests"
FAQ = "Q: What are your opening hours?\nA: We are open Monday to Friday, 9:00 to 19:00.\n"


async def wait_for(check: Callable[[], bool], *, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await anyio.sleep(0.02)


def drain(bus: Bus, channel: str = "telegram") -> list[OutboundMessage]:
    """Read a channel's outbound topic as its sender would (per-key order, ack each)."""
    replies = []
    while batch := bus.claim(outbound_topic(channel), limit=100, consumer="sender"):
        replies += [OutboundMessage.from_payload(m.payload) for m in batch]
        bus.ack_many(batch)
    return replies


@pytest.fixture
async def app_parts(
    db_url: str, bus: Bus, tmp_path: Path
) -> AsyncIterator[Callable[..., Litestar]]:
    faq = tmp_path / "faq.md"
    faq.write_text(FAQ)
    db = Database(db_url)
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(faq_file=faq), http=http, db=db, clock=time.time)

        def make(**overrides: Any) -> Litestar:
            options: dict[str, Any] = {
                "database_url": db_url,
                "admin_token": TOKEN,
                "deadline_seconds": 5.0,
                "burst_max_seconds": 4.0,  # a burst is answered inside the 5 s window
                "idle_poll_seconds": 0.05,
                **overrides,
            }
            settings = OrchestratorSettings(**options)
            return create_app(settings, router=router)

        yield make
        await router.aclose()
    db.close()


async def test_fifty_messages_in_five_conversations_answered_in_order(
    bus: Bus, app_parts: Callable[..., Litestar]
) -> None:
    sent: dict[str, list[str]] = {}
    correlation: dict[str, str] = {}
    for i in range(10):
        for chat in ("1", "2", "3", "4", "5"):
            message = make_inbound(f"question {i}?", conversation_id=chat)
            publish_inbound(bus, message)
            sent.setdefault(chat, []).append(message.platform_message_id)
            correlation[message.platform_message_id] = message.correlation_id
    got: list[OutboundMessage] = []
    # one reply per message is what is counted: the backlog is not a burst to fold here
    app = app_parts(burst_policy="off")
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as client:
        await wait_for(lambda: bool(got.extend(drain(bus)) or len(got) >= 50))
        health = await client.get("/health")
    assert health.status_code == 200
    assert len(got) == 50
    for chat, ids in sent.items():
        assert [r.reply_to for r in got if r.conversation_id == chat] == ids
    assert all(r.correlation_id == correlation[r.reply_to or ""] for r in got)
    assert bus.stats()[INBOUND].done == 50


async def test_health_turns_503_when_the_worker_stops(
    bus: Bus, app_parts: Callable[..., Litestar]
) -> None:
    app = app_parts()
    runtime = app.state.runtime
    [worker] = [w for w in runtime.workers if w.name == "inbound"]
    async with AsyncTestClient(app) as client:
        await wait_for(lambda: worker.running)
        ok = await client.get("/health")
        assert ok.status_code == 200
        assert ok.json()["database"]["ok"] is True
        assert {w["name"]: w["alive"] for w in ok.json()["workers"]}["inbound"] is True
        assert ok.json()["topics"]["inbound"]["oldest_ready_age_s"] == 0.0
        worker.stop()
        await wait_for(lambda: not worker.running)
        down = await client.get("/health")
        assert down.status_code == 503
        assert {w["name"]: w["alive"] for w in down.json()["workers"]}["inbound"] is False


async def test_admin_refuses_a_missing_or_wrong_token(app_parts: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app_parts()) as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
            for path in ("/admin/stats", "/admin/dead-letters", "/admin/conversations"):
                assert (await client.get(path, headers=headers)).status_code == 401
            replay = await client.post(
                "/admin/dead-letters/replay", json={"topic": "inbound"}, headers=headers
            )
            assert replay.status_code == 401


async def test_admin_is_off_without_a_token(app_parts: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app_parts(admin_token=None)) as client:
        response = await client.get("/admin/stats", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404


async def test_admin_stats_dead_letters_replay_and_redacted_conversations(
    bus: Bus, app_parts: Callable[..., Litestar]
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bus.publish(INBOUND, {"not": "an inbound message"}, key="telegram:9")
    publish_inbound(bus, make_inbound("What are your opening hours?", conversation_id="7"))
    async with AsyncTestClient(app_parts()) as client:
        await wait_for(lambda: bus.stats()[INBOUND].done == 1 and bus.stats()[INBOUND].dead == 1)

        stats = (await client.get("/admin/stats", headers=auth)).json()
        assert stats["topics"]["inbound"]["dead"] == 1
        assert stats["topics"]["outbound.telegram"]["ready"] == 1

        dead = (await client.get("/admin/dead-letters", headers=auth)).json()["dead_letters"]
        assert dead[0]["error"].startswith("malformed inbound payload")
        assert dead[0]["payload"].startswith("[redacted")
        shown = (await client.get("/admin/dead-letters?text=1", headers=auth)).json()
        assert shown["dead_letters"][0]["payload"] == {"not": "an inbound message"}

        convs = (await client.get("/admin/conversations", headers=auth)).json()["conversations"]
        assert [c["key"] for c in convs] == ["telegram:7"]
        assert all(t["text"].startswith("[redacted") for t in convs[0]["recent"])
        plain = (await client.get("/admin/conversations?text=1", headers=auth)).json()
        texts = [t["text"] for t in plain["conversations"][0]["recent"]]
        assert texts[0] == "What are your opening hours?"

        replay = await client.post(
            "/admin/dead-letters/replay", json={"ids": [dead[0]["id"]]}, headers=auth
        )
        assert replay.json() == {"replayed": 1}
        # replayed, it fails again and is dead again: nothing is dropped silently
        await wait_for(lambda: bus.stats()[INBOUND].dead == 1 and bus.stats()[INBOUND].ready == 0)
        bad = await client.post("/admin/dead-letters/replay", json={}, headers=auth)
        assert bad.status_code == 400


async def test_metrics_count_the_answers(bus: Bus, app_parts: Callable[..., Litestar]) -> None:
    publish_inbound(bus, make_inbound("What are your opening hours?"))
    async with AsyncTestClient(app_parts()) as client:
        await wait_for(lambda: bus.stats()[INBOUND].done == 1)
        body = (await client.get("/metrics")).text
    assert 'onebox_orchestrator_messages_total{channel="telegram"' in body
    assert 'outcome="replied"' in body
