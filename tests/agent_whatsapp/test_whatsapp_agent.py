"""The real agent (Litestar app, kit runtime, sender) against the fake Cloud API on loopback."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from litestar.testing import AsyncTestClient
from onebox_agent_telegram.testing import serving
from onebox_agent_whatsapp import testing as wa
from onebox_agent_whatsapp.app import create_app
from onebox_agent_whatsapp.settings import WhatsAppSettings
from onebox_agent_whatsapp.window import ConversationWindows
from onebox_bus import Bus, Database
from onebox_bus.contracts import InboundMessage, OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock, migrated_sqlite
from onebox_metrics import Collector
from onebox_service import ServiceRuntime, SystemdEnvironment, open_runtime

pytestmark = pytest.mark.anyio

CONV = f"{wa.PHONE_NUMBER_ID}:{wa.CUSTOMER}"
OUT = outbound_topic("whatsapp")
HOUR = 3600.0


@dataclass
class Agent:
    client: AsyncTestClient[Any]
    runtime: ServiceRuntime
    graph: wa.FakeGraphApi
    clock: FakeClock

    async def post(self, data: Any, *, secret: str = wa.APP_SECRET) -> httpx.Response:
        body = wa.meta_bytes(data)
        return await self.client.post(
            "/webhook/whatsapp", content=body, headers=wa.signed_headers(body, secret)
        )

    async def window_recorded(self, conversation: str = CONV) -> None:
        windows = ConversationWindows(self.runtime.db, clock=self.clock)
        await wait_for(lambda: windows.state(conversation).last_inbound_at is not None)

    def inbound(self) -> list[InboundMessage]:
        messages = self.runtime.bus.claim("inbound", limit=100, consumer="test")
        for m in messages:
            self.runtime.bus.release(m)
        return [InboundMessage.from_payload(m.payload) for m in messages]

    def reply(self, text: str, *, conversation: str = CONV, reply_to: str | None = None) -> int:
        message = OutboundMessage(
            channel="whatsapp",
            conversation_id=conversation,
            text=text,
            correlation_id="corr-1",
            reply_to=reply_to,
        )
        return self.runtime.bus.publish(OUT, message.to_payload(), key=message.key)


async def wait_for(predicate: Callable[[], object], within: float = 10.0) -> Any:
    """Poll `predicate` until it is truthy (the database is the thing observed), or fail."""
    with anyio.fail_after(within):
        while not (value := predicate()):  # noqa: ASYNC110 - polling with a deadline
            await anyio.sleep(0.01)
    return value


def settings_for(db_url: str, graph: wa.FakeGraphApi, **extra: Any) -> WhatsAppSettings:
    fields: dict[str, Any] = {
        "database_url": db_url,
        "whatsapp_access_token": wa.ACCESS_TOKEN,
        "whatsapp_phone_number_id": wa.PHONE_NUMBER_ID,
        "whatsapp_app_secret": wa.APP_SECRET,
        "whatsapp_verify_token": "verify-me",
        "whatsapp_api_url": graph.url,
        "whatsapp_recipient_interval_seconds": 0.0,
        "whatsapp_request_timeout_seconds": 2.0,
        **extra,
    }
    return WhatsAppSettings(**fields)


@pytest.fixture
async def make_agent(
    db_url: str, graph: wa.FakeGraphApi, clock: FakeClock
) -> AsyncIterator[Callable[..., Any]]:
    stack: list[AsyncTestClient[Any]] = []

    async def make(**extra: Any) -> Agent:
        settings = settings_for(db_url, graph, **extra)
        runtime = open_runtime(settings, service="whatsapp", clock=clock)
        # The app owns its Graph API client: it is created and closed in the app's loop.
        client = AsyncTestClient(create_app(settings, clock=clock, runtime=runtime))
        await client.__aenter__()
        stack.append(client)
        return Agent(client, runtime, graph, clock)

    yield make
    for client in reversed(stack):
        await client.__aexit__(None, None, None)


@pytest.fixture
async def agent(make_agent: Callable[..., Any]) -> Agent:
    return await make_agent()  # type: ignore[no-any-return]


# -- verification ------------------------------------------------------------------------


async def test_callback_verification(agent: Agent) -> None:
    ok = await agent.client.get(
        "/webhook/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158"},
    )
    assert ok.status_code == 200
    assert ok.text == "1158"
    assert ok.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ):
        refused = await agent.client.get("/webhook/whatsapp", params=params)
        assert refused.status_code == 403
        assert "1" not in refused.text


# -- inbound -----------------------------------------------------------------------------


async def test_signed_text_is_published_with_dedupe_and_key_then_200(agent: Agent) -> None:
    item = wa.text("Hola, ¿tenéis la talla M? 5€/u")
    response = await agent.post(wa.payload(item))
    assert response.status_code == 200
    [message] = agent.inbound()
    assert message.text == "Hola, ¿tenéis la talla M? 5€/u"
    assert message.key == f"whatsapp:{CONV}"
    [row] = agent.runtime.bus.claim("inbound", consumer="t")
    assert row.dedupe_key == f"whatsapp:{item.wamid}"
    assert row.key == f"whatsapp:{CONV}"
    assert row.correlation_id == message.correlation_id
    windows = ConversationWindows(agent.runtime.db, clock=agent.clock)
    await wait_for(lambda: windows.state(CONV).last_inbound_at == 1_800_000_000.0)


@pytest.mark.parametrize("how", ["wrong secret", "unsigned", "reserialised", "tampered"])
async def test_bad_signatures_get_401_and_store_nothing(agent: Agent, how: str) -> None:
    data = wa.payload(wa.text("Ça va? 5€/kg"))
    body = wa.meta_bytes(data)
    headers = wa.signed_headers(body)
    if how == "wrong secret":
        headers = wa.signed_headers(body, "not-the-secret")
    elif how == "unsigned":
        del headers["x-hub-signature-256"]
    elif how == "reserialised":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        body = body.replace(b"Ca va", b"Ca vx").replace(b"\\u00c7a va", b"\\u00c7a vx")
    response = await agent.client.post("/webhook/whatsapp", content=body, headers=headers)
    assert response.status_code == 401
    assert agent.inbound() == []
    assert agent.runtime.events.recent() == []


async def test_duplicate_webhook_is_absorbed(agent: Agent) -> None:
    data = wa.payload(wa.text("once"))
    assert (await agent.post(data)).status_code == 200
    assert (await agent.post(data)).status_code == 200
    assert [m.text for m in agent.inbound()] == ["once"]


async def test_several_entries_and_every_kind_in_one_post(agent: Agent) -> None:
    bsuid = "US.13491208655302741918"
    first = [
        wa.Change(
            inbound=[
                wa.text("hi"),
                wa.button_reply("yes", "Yes please", sender="15550000001"),
                wa.list_reply("sku-1", "Blue shirt", sender="15550000002"),
                wa.image("this one", sender="15550000003"),
            ]
        )
    ]
    second = [
        wa.Change(
            inbound=[
                wa.audio(sender="15550000004"),
                wa.document(sender="15550000005"),
                wa.location(sender="15550000006"),
                wa.sticker(sender="15550000007"),
                wa.reaction("wamid.X", sender="15550000008"),
                wa.unsupported(sender="15550000009"),
                wa.text("by username", sender=None, user_id=bsuid),
            ]
        )
    ]
    assert (await agent.post(wa.envelope(first, second))).status_code == 200
    # The voice note goes through the media stage first (its media is unknown to the fake
    # Graph API, so it arrives marked ``voice_error=gone``), in its own time.
    found = await wait_for(lambda: (got := agent.inbound()) and len(got) == 11 and got)
    [voice] = [m for m in found if m.content_kind == "voice"]
    messages = [m for m in found if m.content_kind != "voice"] + [voice]
    kinds = [m.content_kind for m in messages]
    assert kinds == [
        "text",
        "button",
        "button",
        "image",
        "document",
        "location",
        "sticker",
        "reaction",
        "unknown",
        "text",
        "voice",
    ]
    assert messages[1].text == "Yes please"
    assert messages[1].meta["button_id"] == "yes"
    assert messages[-2].conversation_id == f"{wa.PHONE_NUMBER_ID}:{bsuid}"
    assert messages[-1].meta["voice_error"] == "gone"
    assert messages[-1].meta["voice"] == "true"
    metrics = (await agent.client.get("/metrics")).text
    assert 'onebox_whatsapp_inbound_messages_total{kind="button"} 2.0' in metrics


async def test_malformed_json_is_400_and_recorded(agent: Agent) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [ oops'
    response = await agent.client.post(
        "/webhook/whatsapp", content=body, headers=wa.signed_headers(body)
    )
    assert response.status_code == 400
    [event] = agent.runtime.events.recent()
    assert (event.kind, event.status_code) == ("malformed", 400)
    assert agent.inbound() == []


async def test_body_over_one_mebibyte_is_413(agent: Agent) -> None:
    body = wa.meta_bytes(wa.payload(wa.text("x" * (1024 * 1024 + 10))))
    response = await agent.client.post(
        "/webhook/whatsapp", content=body, headers=wa.signed_headers(body)
    )
    assert response.status_code == 413
    assert agent.inbound() == []


async def test_locked_database_is_503_and_the_retry_is_stored(
    tmp_path: Path, graph: wa.FakeGraphApi, clock: FakeClock
) -> None:
    url = migrated_sqlite(tmp_path / "locked.db")
    settings = settings_for(url, graph, busy_timeout_seconds=0.2)
    runtime = open_runtime(
        settings,
        service="whatsapp",
        clock=clock,
        collector=Collector(service="whatsapp", clock=clock),
        systemd=SystemdEnvironment(),
    )
    async with AsyncTestClient(create_app(settings, clock=clock, runtime=runtime)) as client:
        agent = Agent(client, runtime, graph, clock)
        data = wa.payload(wa.text("are you there?"))
        holder = Bus.from_url(url, busy_timeout=0.2)
        try:
            with holder.transaction():
                holder.publish("lock", {"hold": True})
                response = await agent.post(data)
        finally:
            holder.close()
        assert response.status_code == 503
        assert (await agent.post(data)).status_code == 200
        assert [m.text for m in agent.inbound()] == ["are you there?"]


# -- outbound ----------------------------------------------------------------------------


async def test_reply_is_sent_marked_read_and_recorded(agent: Agent) -> None:
    item = wa.text("price?")
    await agent.post(wa.payload(item))
    agent.reply("It is 20 €.", reply_to=item.wamid)
    [sent] = await wait_for(agent.graph.texts)
    assert sent.headers["authorization"] == f"Bearer {wa.ACCESS_TOKEN}"
    assert sent.body["messaging_product"] == "whatsapp"
    assert sent.body["to"] == wa.CUSTOMER
    assert sent.body["text"]["body"] == "It is 20 €."
    assert sent.body["context"] == {"message_id": item.wamid}
    # The receipt follows the reply: the customer never waits for a round trip of blue ticks.
    assert await wait_for(agent.graph.read_receipts) == [item.wamid]
    kinds = [r.body.get("status", r.body.get("type")) for r in agent.graph.message_requests()]
    assert kinds == ["text", "read"]
    wamid = sent.answer["messages"][0]["id"]
    record = await wait_for(lambda: agent.runtime.deliveries.get("whatsapp", wamid))
    assert record.status == "sent"
    assert record.text is None


async def test_long_reply_is_split_at_4096(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("tell me everything")))
    agent.reply(("lorem ipsum " * 300).strip() + "\n\n" + ("dolor sit " * 300).strip())
    texts = await wait_for(lambda: len(agent.graph.texts()) == 2 and agent.graph.texts())
    assert all(len(t.body["text"]["body"]) <= 4096 for t in texts)
    assert texts[1].body["text"]["body"].startswith("dolor sit")


async def test_reply_to_a_business_scoped_user_id(agent: Agent) -> None:
    bsuid = "US.13491208655302741918"
    await agent.post(wa.payload(wa.text("hi", sender=None, user_id=bsuid)))
    agent.reply("Hello!", conversation=f"{wa.PHONE_NUMBER_ID}:{bsuid}")
    [sent] = await wait_for(agent.graph.texts)
    assert sent.body["recipient"] == bsuid


async def test_statuses_move_the_record_forward_only(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("hi")))
    agent.reply("Hello!")
    [sent] = await wait_for(agent.graph.texts)
    wamid = sent.answer["messages"][0]["id"]
    await wait_for(lambda: agent.runtime.deliveries.get("whatsapp", wamid))
    assert (await agent.post(wa.payload(wa.status(wamid, "read")))).status_code == 200
    assert agent.runtime.deliveries.get("whatsapp", wamid).status == "read"  # type: ignore[union-attr]
    late = wa.payload(wa.status(wamid, "delivered"), wa.status(wamid, "sent"))
    assert (await agent.post(late)).status_code == 200
    assert agent.runtime.deliveries.get("whatsapp", wamid).status == "read"  # type: ignore[union-attr]
    unknown = wa.payload(wa.status("wamid.NOT_OURS", "delivered"))
    assert (await agent.post(unknown)).status_code == 200
    metrics = (await agent.client.get("/metrics")).text
    assert 'onebox_whatsapp_statuses_total{outcome="updated",status="read"} 1.0' in metrics
    assert 'onebox_whatsapp_statuses_total{outcome="unchanged",status="delivered"} 1.0' in metrics
    assert 'onebox_whatsapp_statuses_total{outcome="unknown",status="delivered"} 1.0' in metrics


async def test_failed_131047_marks_the_conversation_and_stops_free_form(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("hi")))
    agent.reply("Hello!")
    [sent] = await wait_for(agent.graph.texts)
    wamid = sent.answer["messages"][0]["id"]
    await wait_for(lambda: agent.runtime.deliveries.get("whatsapp", wamid))
    failed = wa.status(wamid, "failed", error_code=131047, timestamp=1_800_000_010)
    assert (await agent.post(wa.payload(failed))).status_code == 200
    record = agent.runtime.deliveries.get("whatsapp", wamid)
    assert record is not None
    assert record.status == "failed"
    assert "131047" in (record.error or "")
    agent.reply("Are you still there?")
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "re-engagement required" in (dead.error or "")
    assert len(agent.graph.texts()) == 1


async def test_reply_outside_the_24_hour_window_is_dead_lettered(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("hi", timestamp=agent.clock())))
    await agent.window_recorded()
    agent.clock.advance(25 * HOUR)
    agent.reply("Sorry for the delay!")
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "outside the 24-hour window" in (dead.error or "")
    assert "25.0 h" in (dead.error or "")
    assert agent.graph.message_requests() == []


async def test_template_is_sent_outside_the_window_when_configured(
    make_agent: Callable[..., Any],
) -> None:
    agent: Agent = await make_agent(whatsapp_template_name="follow_up")
    agent.graph.add_template("follow_up", "en_US")
    await agent.post(wa.payload(wa.text("hi", timestamp=agent.clock())))
    await agent.window_recorded()
    agent.clock.advance(30 * HOUR)
    agent.reply("We have news")
    [request] = await wait_for(agent.graph.message_requests)
    assert request.body["type"] == "template"
    assert request.body["template"]["name"] == "follow_up"
    assert agent.runtime.bus.dead_letters(topic=OUT) == []


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (130429, "retry"),
        (131056, "retry"),
        (80007, "retry"),
        (131000, "retry"),
        (131047, "dead"),
        (131026, "dead"),
        (368, "dead"),
    ],
)
async def test_graph_errors_choose_retry_or_dead_letter(
    agent: Agent, code: int, outcome: str
) -> None:
    await agent.post(wa.payload(wa.text("hi")))
    agent.graph.fail_next(code)
    agent.reply("Hello!")
    if outcome == "dead":
        [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
        assert f"graph api error {code}" in (dead.error or "")
    else:
        [refused] = await wait_for(agent.graph.message_requests)
        assert refused.answer["error"]["code"] == code
        stats = await wait_for(
            lambda: (s := agent.runtime.bus.stats().get(OUT)) and s.ready == 1 and s
        )
        assert stats.dead == 0
        assert agent.graph.texts() == []
        agent.clock.advance(120.0)  # past the backoff: the retry goes through
        [sent] = await wait_for(agent.graph.texts)
        assert sent.body["text"]["body"] == "Hello!"


async def test_slow_graph_api_times_out_and_is_retried(make_agent: Callable[..., Any]) -> None:
    agent: Agent = await make_agent(whatsapp_request_timeout_seconds=0.3)
    await agent.post(wa.payload(wa.text("hi")))
    agent.graph.delay_next(3.0)
    agent.reply("Hello!")
    await wait_for(lambda: (s := agent.runtime.bus.stats().get(OUT)) and s.ready == 1)
    assert agent.runtime.bus.dead_letters(topic=OUT) == []


async def test_sandbox_mode_records_replies_and_sends_nothing(
    db_url: str, graph: wa.FakeGraphApi, clock: FakeClock
) -> None:
    settings = WhatsAppSettings(
        database_url=db_url, whatsapp_recipient_interval_seconds=0.0, whatsapp_app_secret="s"
    )
    assert settings.sandbox
    runtime = open_runtime(settings, service="whatsapp", clock=clock)
    async with AsyncTestClient(create_app(settings, clock=clock, runtime=runtime)) as client:
        agent = Agent(client, runtime, graph, clock)
        body = wa.meta_bytes(wa.payload(wa.text("hi")))
        headers = wa.signed_headers(body, "s")
        response = await client.post("/webhook/whatsapp", content=body, headers=headers)
        assert response.status_code == 200
        agent.reply("Recorded only")
        [record] = await wait_for(lambda: runtime.deliveries.by_correlation("corr-1"))
        assert record.sandbox
        assert record.text == "Recorded only"
        assert graph.requests == []
        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"


async def test_replies_to_one_customer_are_paced(
    db_url: str, graph: wa.FakeGraphApi, clock: FakeClock
) -> None:
    async def fake_sleep(seconds: float) -> None:  # time passes only on the fake clock
        clock.advance(seconds)
        await anyio.lowlevel.checkpoint()

    settings = settings_for(db_url, graph, whatsapp_recipient_interval_seconds=6.0)
    runtime = open_runtime(settings, service="whatsapp", clock=clock)
    app = create_app(settings, clock=clock, runtime=runtime, sleep=fake_sleep)
    async with AsyncTestClient(app) as client:
        agent = Agent(client, runtime, graph, clock)
        await agent.post(wa.payload(wa.text("hi")))
        for text in ("one", "two", "three"):
            agent.reply(text)
        await wait_for(lambda: len(graph.texts()) == 3)
        records = await wait_for(
            lambda: len(found := runtime.deliveries.recent(channel="whatsapp")) == 3 and found
        )
    times = sorted(r.created_at for r in records)
    assert [t.body["text"]["body"] for t in graph.texts()] == ["one", "two", "three"]
    assert all(b - a >= 6.0 for a, b in itertools.pairwise(times))


# -- hardening (issue 20) ------------------------------------------------------------------


@pytest.mark.parametrize("signed", [False, True])
async def test_oversized_body_writes_nothing_before_the_signature_check(
    make_agent: Callable[..., Any], signed: bool
) -> None:
    """Finding 6: a body refused for its size was recorded before authentication."""
    agent = await make_agent(max_body_bytes=200)
    body = wa.meta_bytes(wa.payload(wa.text("x" * 500)))
    headers = wa.signed_headers(body) if signed else {"content-type": "application/json"}
    response = await agent.client.post("/webhook/whatsapp", content=body, headers=headers)
    assert response.status_code == 413
    assert agent.runtime.events.recent() == []
    assert agent.inbound() == []
    metrics = (await agent.client.get("/metrics")).text
    assert 'onebox_webhook_events_total{channel="whatsapp",kind="too_large"} 1.0' in metrics


async def test_a_bad_message_in_a_batch_is_recorded_and_the_rest_stored(agent: Agent) -> None:
    """Finding 5: one "abc" timestamp failed the whole batch with 400; inf/1e10 were stored."""
    odd = wa.text("odd clock", sender="15550000001")
    odd.message["timestamp"] = "abc"
    future = wa.text("from 2286", sender="15550000002")
    future.message["timestamp"] = "1e10"
    broken = wa.text("wrong types", sender="15550000003")
    broken.message["text"] = {"body": 42}
    good = wa.text("hello")
    response = await agent.post(wa.payload(odd, future, broken, good))
    assert response.status_code == 200
    stored = {m.text: m for m in agent.inbound()}
    assert sorted(stored) == ["from 2286", "hello", "odd clock"]
    assert float(stored["odd clock"].meta["timestamp"]) == agent.clock()
    assert float(stored["from 2286"].meta["timestamp"]) <= agent.clock() + 300
    [event] = agent.runtime.events.recent()
    assert (event.kind, event.status_code) == ("malformed_item", 200)
    assert "body" in event.reason
    assert "wrong types" not in event.reason
    windows = ConversationWindows(agent.runtime.db, clock=agent.clock)
    conv = f"{wa.PHONE_NUMBER_ID}:15550000002"
    await wait_for(lambda: windows.state(conv).last_inbound_at is not None)
    assert windows.state(conv).last_inbound_at <= agent.clock() + 300


WA_NESTED = (
    b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", '
    b'"value": {"metadata": {"phone_number_id": "1"}, "messages": ['
    + b"[" * 10_000
    + b"]" * 10_000
    + b"]}}]}]"
)
WA_HOSTILE = [
    (b'{"object": "whatsapp_business_account", "entry": [{"id": "\xff"}]}', "not valid UTF-8"),
    (WA_NESTED + b"}", "nested too deeply"),
    (b'{"object": "whatsapp_business_account", "entry": [{"changes": 7}]}', "not a Cloud API"),
]


async def test_hostile_bodies_are_recorded_400s_not_500s(agent: Agent) -> None:
    """Finding 3: invalid UTF-8 and 10,000-level nesting escaped the parser as a 500."""
    for body, reason in WA_HOSTILE:
        response = await agent.client.post(
            "/webhook/whatsapp", content=body, headers=wa.signed_headers(body)
        )
        assert response.status_code == 400, reason
        assert reason in response.json()["error"]
    events = agent.runtime.events.recent()
    assert [(e.kind, e.status_code) for e in events] == [("malformed", 400)] * len(WA_HOSTILE)
    assert agent.inbound() == []


async def test_text_over_4096_is_capped_at_ingest_and_says_so(agent: Agent) -> None:
    """Finding 3: inbound text had no cap at ingest."""
    long = "palabra " * 20_000
    assert (await agent.post(wa.payload(wa.text(long)))).status_code == 200
    [message] = agent.inbound()
    assert message.text == long[:4096]
    assert message.meta["text_truncated"] == "true"
    assert message.meta["text_length"] == str(len(long))


# -- sandbox (issue 20 finding 1) ------------------------------------------------------------


async def test_sandbox_accepts_unsigned_posts_only_direct_from_this_machine(
    db_url: str, clock: FakeClock
) -> None:
    """Finding 1: a sandbox behind the documented reverse proxy answered the internet."""
    settings = WhatsAppSettings(database_url=db_url)
    assert settings.sandbox
    runtime = open_runtime(settings, service="whatsapp", clock=clock)
    body = wa.meta_bytes(wa.payload(wa.text("hi")))
    proxies = [
        {"x-forwarded-for": "203.0.113.9"},
        {"forwarded": "for=203.0.113.9"},
        {"via": "1.1 nginx"},
    ]
    app = create_app(settings, clock=clock, runtime=runtime)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        for proxy in proxies:
            response = await http.post("/webhook/whatsapp", content=body, headers=proxy)
            assert response.status_code == 403, proxy
        assert runtime.bus.stats().get("inbound") is None
        assert runtime.events.recent() == []
        direct = await http.post("/webhook/whatsapp", content=body)
        assert direct.status_code == 200
        assert runtime.bus.stats()["inbound"].ready == 1


@pytest.mark.parametrize(
    ("fields", "variable"),
    [
        ({"host": "0.0.0.0"}, "ONEBOX_WHATSAPP_ACCESS_TOKEN"),
        ({"host": "0.0.0.0", "sandbox": True}, "ONEBOX_WHATSAPP_APP_SECRET"),
        ({"sandbox": False}, "ONEBOX_WHATSAPP_ACCESS_TOKEN"),
    ],
)
def test_refuses_to_start_unsandboxed_or_open_without_its_secrets(
    fields: dict[str, Any], variable: str
) -> None:
    """Finding 1: the WhatsApp agent in sandbox started on 0.0.0.0 with no app secret."""
    with pytest.raises(ValueError, match=variable):
        WhatsAppSettings(**fields)


async def test_an_error_meta_marks_permanent_is_dead_lettered_at_once(agent: Agent) -> None:
    """Issue 20 finding 9: a 400 the platform marks permanent was retried 5 times."""
    await agent.post(wa.payload(wa.text("hi")))
    agent.graph.fail_next(131000, status=400, is_transient=False)
    agent.reply("Hello!")
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert dead.attempts == 1
    assert "graph api error 131000" in (dead.error or "")
    assert len(agent.graph.message_requests()) == 1


async def test_a_typing_signal_marks_read_with_the_indicator_before_the_reply(
    agent: Agent,
) -> None:
    item = wa.text("do you deliver to Braga?")
    await agent.post(wa.payload(item))
    signal = OutboundMessage(
        channel="whatsapp", conversation_id=CONV, text="", correlation_id="corr-1",
        reply_to=item.wamid, signal="typing",
    )  # fmt: skip
    bus = agent.runtime.bus
    bus.publish(OUT, signal.to_payload(), key=signal.key, max_attempts=1)
    agent.reply("Yes, in 2 days.", reply_to=item.wamid)
    [sent] = await wait_for(agent.graph.texts)
    assert agent.graph.typing_indicators() == [item.wamid]
    typing_call = next(r for r in agent.graph.message_requests() if "typing_indicator" in r.body)
    assert typing_call.body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": item.wamid,
        "typing_indicator": {"type": "text"},
    }
    # the signal goes first, never after the reply
    assert typing_call.arrived_monotonic <= sent.arrived_monotonic
    stats = bus.stats()[OUT]
    assert stats.dead == 0


async def test_the_fake_refuses_an_unknown_typing_indicator(graph: wa.FakeGraphApi) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{graph.url}/v21.0/{wa.PHONE_NUMBER_ID}/messages",
            headers={"authorization": f"Bearer {wa.ACCESS_TOKEN}"},
            json={
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": "wamid.X",
                "typing_indicator": {"type": "audio"},
            },
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


async def test_window_rows_left_behind_are_written_before_the_database_closes(
    db_url: str, graph: wa.FakeGraphApi, clock: FakeClock
) -> None:
    settings = settings_for(db_url, graph)
    runtime = open_runtime(settings, service="whatsapp", clock=clock)
    async with AsyncTestClient(create_app(settings, clock=clock, runtime=runtime)) as client:
        body = wa.meta_bytes(wa.payload(wa.text("hi, are you open?")))
        response = await client.post(
            "/webhook/whatsapp", content=body, headers=wa.signed_headers(body, wa.APP_SECRET)
        )
        assert response.status_code == 200
        # leave at once: the window row is still queued behind the webhook's answer
    reader = Database(db_url)
    try:
        state = ConversationWindows(reader, clock=clock).state(CONV)
        assert state.last_inbound_at == 1_800_000_000.0
    finally:
        reader.close()
