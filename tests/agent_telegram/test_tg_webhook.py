from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from onebox_agent_telegram import testing as tg
from onebox_agent_telegram.testing import FakeBotAPI
from onebox_bus.contracts import INBOUND, OPERATOR, InboundMessage

pytestmark = pytest.mark.anyio

SECRET = "s3cret-Token_1"
HEADERS = {"x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json"}


_client: list[httpx.AsyncClient] = []


@pytest.fixture(autouse=True)
def _share_client(http: httpx.AsyncClient) -> Any:
    _client.append(http)
    yield
    _client.remove(http)


async def post(url: str, update: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    body = update if isinstance(update, bytes) else tg.update_bytes(update)
    return await _client[-1].post(
        url + "/webhook/telegram", content=body, headers=headers or HEADERS
    )


async def test_update_is_stored_before_200(start_agent: Any, fake_api: FakeBotAPI) -> None:
    async with start_agent(fake_api) as agent:
        response = await post(agent.url, tg.message_update(1001, 42, "where is my order?"))
        assert response.status_code == 200
        assert response.json() == {"ok": True}
        [message] = agent.inbound()
    assert message.dedupe_key == "telegram:1001"
    assert message.key == "telegram:42"
    inbound = InboundMessage.from_payload(message.payload)
    assert inbound.text == "where is my order?"
    assert inbound.correlation_id == message.correlation_id


async def test_redelivered_update_is_absorbed(start_agent: Any, fake_api: FakeBotAPI) -> None:
    async with start_agent(fake_api) as agent:
        update = tg.message_update(2002, 42, "hi")
        for _ in range(3):
            assert (await post(agent.url, update)).status_code == 200
        # a restarted sequence (lower id after a quiet week) is a new update, not a duplicate
        assert (await post(agent.url, tg.message_update(5, 42, "new week"))).status_code == 200
        texts = [InboundMessage.from_payload(m.payload).text for m in agent.inbound()]
    assert texts == ["hi", "new week"]


async def test_wrong_or_missing_secret_is_401_and_stores_nothing(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    async with start_agent(fake_api) as agent:
        for given in (None, "wrong", SECRET + "x", "", SECRET[:-1]):
            headers = {"content-type": "application/json"}
            if given is not None:
                headers["x-telegram-bot-api-secret-token"] = given
            response = await post(agent.url, tg.message_update(3003, 42), headers)
            assert response.status_code == 401, given
        assert agent.inbound() == []
        assert agent.runtime.events.recent() == []


MALFORMED = [
    (b"{not json", "not valid JSON"),
    (b'{"update_id": "x"}', "not a Telegram update"),
    (b'"just a string"', "not a Telegram update"),
    (b"", "not valid JSON"),
]


async def test_malformed_body_is_400_and_recorded(start_agent: Any, fake_api: FakeBotAPI) -> None:
    async with start_agent(fake_api) as agent:
        for body, reason in MALFORMED:
            response = await post(agent.url, body)
            assert response.status_code == 400
            assert reason in response.json()["error"]
        events = agent.runtime.events.recent()
        assert [(e.kind, e.status_code) for e in events] == [("malformed", 400)] * len(MALFORMED)
        assert agent.inbound() == []


async def test_oversized_body_is_413(start_agent: Any, fake_api: FakeBotAPI) -> None:
    update = tg.message_update(4004, 42, "x" * (1024 * 1024 + 10))
    async with start_agent(fake_api) as agent:
        response = await post(agent.url, update)
        assert response.status_code == 413
        assert agent.inbound() == []
        assert [e.kind for e in agent.runtime.events.recent()] == ["too_large"]


ANSWERABLE = [
    (tg.message_update(10, 42, "text"), "text"),
    (tg.message_update(11, -1001234, "/help", user_id=9), "command"),
    (tg.edited_message_update(12, 43), "text"),
    (tg.callback_query_update(13, 44), "button"),
    (tg.photo_update(14, 45), "image"),
    (tg.sticker_update(15, 46), "sticker"),
]
UNANSWERED = [
    (tg.my_chat_member_update(20, 42), "member.blocked"),
    (tg.service_message_update(21, -4001, "new_chat_members"), "service.message"),
    (tg.service_message_update(22, -4002, "migrate_to_chat_id"), "service.migrate"),
    (tg.channel_post_update(23), "ignored.channel_post"),
    ({"update_id": 24, "poll": {"id": "1", "question": "?"}}, "ignored.poll"),
    ({"update_id": 25, "from_the_future": {}}, "ignored.unknown"),
]


async def test_every_kind_of_update(start_agent: Any, fake_api: FakeBotAPI) -> None:
    async with start_agent(fake_api) as agent:
        for update, _ in ANSWERABLE:
            assert (await post(agent.url, update)).status_code == 200
        rows = agent.inbound()
        assert [r.dedupe_key for r in rows] == [f"telegram:{u['update_id']}" for u, _ in ANSWERABLE]
        kinds = [InboundMessage.from_payload(r.payload).content_kind for r in rows]
        assert kinds == [kind for _, kind in ANSWERABLE]
        assert {r.topic for r in rows} == {INBOUND}
        for update, _ in UNANSWERED:
            assert (await post(agent.url, update)).status_code == 200
        assert len(agent.inbound()) == len(ANSWERABLE)
        recorded = list(reversed(agent.runtime.events.recent()))
    assert [e.kind for e in recorded] == [event for _, event in UNANSWERED]
    assert {e.status_code for e in recorded} == {200}
    assert all(
        e.reason.startswith(f"update {u['update_id']}:")
        for e, (u, _) in zip(recorded, UNANSWERED, strict=True)
    )


async def test_block_and_migration_events_update_chat_state(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    async with start_agent(fake_api) as agent:
        await post(agent.url, tg.my_chat_member_update(30, 42, new_status="kicked"))
        state = agent.chats.get("42")
        assert state is not None
        assert state.status == "blocked"
        await post(
            agent.url, tg.my_chat_member_update(31, 42, old_status="kicked", new_status="member")
        )
        assert agent.chats.get("42").status == "active"
        await post(agent.url, tg.service_message_update(32, -4001, "migrate_to_chat_id"))
        migrated = agent.chats.get("-4001")
        assert migrated is not None
        assert migrated.migrated_to == "-1009999999999"


@pytest.mark.sqlite_only("holds SQLite's file lock")
async def test_locked_database_answers_503_and_loses_nothing(
    start_agent: Any, fake_api: FakeBotAPI, db_url: str
) -> None:
    path = db_url.removeprefix("sqlite:///")
    async with start_agent(fake_api, busy_timeout=0.2) as agent:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            response = await post(agent.url, tg.message_update(40, 42, "during the lock"))
            assert response.status_code == 503
            assert response.headers["retry-after"]
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        # Telegram retries the same update: now it is stored
        assert (
            await post(agent.url, tg.message_update(40, 42, "during the lock"))
        ).status_code == 200
        [message] = agent.inbound()
    assert message.dedupe_key == "telegram:40"


async def test_health_and_metrics(start_agent: Any, fake_api: FakeBotAPI) -> None:
    async with start_agent(fake_api) as agent:
        await post(agent.url, tg.message_update(50, 42))
        await post(agent.url, b"nope")
        health = await _client[-1].get(agent.url + "/health")
        metrics = await _client[-1].get(agent.url + "/metrics")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert "outbound.telegram" in health.json()["topics"]
    text = metrics.text
    assert 'onebox_webhook_requests_total{channel="telegram",outcome="accepted"} 1' in text
    assert 'onebox_webhook_requests_total{channel="telegram",outcome="rejected"} 1' in text
    assert SECRET not in text
    assert fake_api.token not in text


async def test_only_the_operator_chat_reaches_the_operator_topic(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    async with start_agent(fake_api, operator_chat_id=4242) as agent:
        reply = tg.reply_update(7001, 4242, "We engrave pots, 5 EUR.", reply_to=17)
        assert (await post(agent.url, reply)).status_code == 200
        # A customer typing the operator's command is a customer message, nothing more.
        assert (await post(agent.url, tg.message_update(7002, 42, "/done"))).status_code == 200
        operator = agent.inbound(OPERATOR)
        customers = agent.inbound()
    [from_operator] = operator
    assert from_operator.key == "telegram:4242"
    assert from_operator.dedupe_key == "telegram:7001"
    message = InboundMessage.from_payload(from_operator.payload)
    assert message.meta["reply_to_message_id"] == "17"
    assert message.text == "We engrave pots, 5 EUR."
    [from_customer] = customers
    assert InboundMessage.from_payload(from_customer.payload).text == "/done"
    assert from_customer.key == "telegram:42"


# -- hardening (issue 20 finding 3) ----------------------------------------------------------

NESTED = b'{"update_id": 1, "channel_post": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
HOSTILE = [
    (b'{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "text": "\xff\xfe"}}',
     "not valid UTF-8"),
    (NESTED, "nested too deeply"),
    (b"[" * 10_000 + b"]" * 10_000, "not a Telegram update"),
    (b'{"update_id": 1, "message": {"message_id": "one", "chat": {"id": 1}}}',
     "not a Telegram update"),
]  # fmt: skip


async def test_hostile_bodies_are_recorded_400s_not_500s(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    """Finding 3: invalid UTF-8 and 10,000-level nesting escaped the parser as a 500."""
    async with start_agent(fake_api) as agent:
        for body, reason in HOSTILE:
            response = await post(agent.url, body)
            assert response.status_code == 400, reason
            assert reason in response.json()["error"]
        events = agent.runtime.events.recent()
        assert [(e.kind, e.status_code) for e in events] == [("malformed", 400)] * len(HOSTILE)
        assert all(len(e.reason) <= 200 for e in events)
        assert agent.inbound() == []


async def test_text_over_4096_is_capped_at_ingest_and_says_so(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    """Finding 3: a 100 KB text went to the orchestrator whole."""
    async with start_agent(fake_api) as agent:
        long = "word " * 20_000
        assert (await post(agent.url, tg.message_update(7, 42, long))).status_code == 200
        assert (await post(agent.url, tg.message_update(8, 42, "short"))).status_code == 200
        capped, short = (InboundMessage.from_payload(r.payload) for r in agent.inbound())
    assert capped.text == long[:4096]
    assert capped.meta["text_truncated"] == "true"
    assert capped.meta["text_length"] == str(len(long))
    assert short.text == "short"
    assert "text_truncated" not in short.meta


# -- sandbox (issue 20 finding 1) ------------------------------------------------------------

PROXIED = [
    {"x-forwarded-for": "203.0.113.9"},
    {"forwarded": "for=203.0.113.9;proto=https"},
    {"via": "1.1 caddy"},
    {"x-real-ip": "203.0.113.9"},
]


async def test_sandbox_accepts_unsigned_updates_only_direct_from_this_machine(
    start_agent: Any,
) -> None:
    """Finding 1: a sandbox behind the documented reverse proxy answered the internet."""
    async with start_agent(None, secret=None) as agent:
        assert agent.settings.sandbox
        for n, proxy in enumerate(PROXIED):
            headers = {"content-type": "application/json", **proxy}
            response = await post(agent.url, tg.message_update(100 + n, 42, "hi"), headers)
            assert response.status_code == 403, proxy
        assert agent.inbound() == []
        assert agent.runtime.events.recent() == []
        plain = {"content-type": "application/json"}
        direct = await post(agent.url, tg.message_update(200, 42, "hi"), plain)
        assert direct.status_code == 200
        assert len(agent.inbound()) == 1


async def test_sandbox_with_a_secret_still_checks_it(start_agent: Any) -> None:
    async with start_agent(None, secret=SECRET) as agent:
        assert agent.settings.sandbox
        plain = {"content-type": "application/json"}
        unsigned = await post(agent.url, tg.message_update(1, 42), plain)
        assert unsigned.status_code == 401
        proxied = await post(agent.url, tg.message_update(2, 42), {**HEADERS, **PROXIED[0]})
        assert proxied.status_code == 200
