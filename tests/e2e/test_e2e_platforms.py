"""A customer's message all the way round, against fake platforms and fake models on loopback.

webhook -> bus -> orchestrator -> router (fake Groq) -> bus -> sender -> fake platform, for
both channels, with the stack run by ``onebox up`` as real processes. The reply reaches the
right chat, every service's log lines about it carry its correlation id, and the metrics
count it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa
from onebox_agent_telegram.testing import FakeBotAPI, message_update, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Database
from onebox_metrics.query import read_series
from onebox_router.testing import FakeAnthropicServer, FakeOpenAIServer, RecordedRequest

from .conftest import UpStack, wait_for

SECRET = "e2e-webhook-secret"


def _answer(request: RecordedRequest) -> str:
    return f"model says: {request.question}"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi, FakeOpenAIServer]]:
    with (
        FakeBotAPI() as bot,
        wa.FakeGraphApi() as graph,
        FakeOpenAIServer(flavour="groq", responder=_answer) as groq,
        FakeAnthropicServer(responder=_answer) as claude,
    ):
        bot.fake_claude = claude  # type: ignore[attr-defined]
        yield bot, graph, groq


def platform_env(
    bot: FakeBotAPI, graph: wa.FakeGraphApi, groq: FakeOpenAIServer, claude: FakeAnthropicServer
) -> dict[str, str]:
    """Everything set for real, pointed at the fakes."""
    return {
        "ONEBOX_TELEGRAM_BOT_TOKEN": bot.token,
        "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
        "ONEBOX_TELEGRAM_API_URL": bot.url,
        "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ONEBOX_WHATSAPP_API_URL": graph.url,
        "ONEBOX_GROQ_API_KEY": groq.api_key,
        "ONEBOX_GROQ_BASE_URL": groq.url,
        "ONEBOX_ANTHROPIC_API_KEY": claude.api_key,
        "ONEBOX_ANTHROPIC_BASE_URL": claude.url,
    }


def _correlation(stack: UpStack, dedupe_key: str) -> str:
    db = Database(stack.db_url)
    try:
        with db.engine.connect() as conn:
            return str(
                conn.execute(
                    sa.text("SELECT correlation_id FROM bus_messages WHERE dedupe_key = :k"),
                    {"k": dedupe_key},
                ).scalar_one()
            )
    finally:
        db.close()


def test_a_message_goes_round_on_both_channels(
    up_stack: Callable[..., UpStack],
    fakes: tuple[FakeBotAPI, wa.FakeGraphApi, FakeOpenAIServer],
) -> None:
    bot, graph, groq = fakes
    stack = up_stack(platform_env(bot, graph, groq, bot.fake_claude))  # type: ignore[attr-defined]
    with httpx.Client(timeout=10) as http:
        # Telegram: the secret header is required; a wrong one stores nothing.
        update = update_bytes(message_update(9001, 777001, "Which plant suits a dark corner?"))
        url = stack.urls["telegram"] + "/webhook/telegram"
        wrong = http.post(url, content=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
        assert wrong.status_code == 401
        ok = http.post(url, content=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert ok.status_code == 200
        # WhatsApp: signed over the raw bytes; an unsigned post is refused.
        body = wa.meta_bytes(wa.payload(wa.text("Do you sell cactus soil?", timestamp=time.time())))
        url = stack.urls["whatsapp"] + "/webhook/whatsapp"
        assert http.post(url, content=body).status_code == 401
        assert http.post(url, content=body, headers=wa.signed_headers(body)).status_code == 200

    wait_for(lambda: bot.sent_texts(777001), within=30, what="telegram reply")
    wait_for(lambda: graph.texts(), within=30, what="whatsapp reply")
    assert bot.sent_texts() == ["model says: Which plant suits a dark corner?"]
    [reply] = graph.texts()
    assert reply.body["to"] == wa.CUSTOMER
    assert reply.body["text"]["body"] == "model says: Do you sell cactus soil?"
    assert len(groq.requests) == 2

    tg_cid = _correlation(stack, "telegram:9001")
    wamid = graph.texts()[0].body.get("context", {}).get("message_id")
    wa_cids = {
        r["correlation_id"]
        for r in stack.records("whatsapp")
        if r.get("event") == "webhook.message" and "correlation_id" in r
    }
    assert len(wa_cids) == 1
    wa_cid = wa_cids.pop()
    if wamid:
        assert _correlation(stack, f"whatsapp:{wamid}") == wa_cid
    for cid, agent in ((tg_cid, "telegram"), (wa_cid, "whatsapp")):

        def lines(cid: str = cid, agent: str = agent) -> dict[str, set[str]]:
            return {
                service: {
                    r["event"] for r in stack.records(service) if r.get("correlation_id") == cid
                }
                for service in (agent, "orchestrator")
            }

        # The platform has the reply before the agent logs it (the record and ack come after
        # the platform's answer): wait for the line rather than race it.
        wait_for(
            lambda a=agent, ev=lines: "delivery.sent" in ev()[a],
            within=30,
            what=f"{agent} delivery.sent line",
        )
        events = lines()
        assert "delivery.sent" in events[agent], events
        assert "message.answered" in events["orchestrator"], events
        # No line of another conversation carries this id.
        other = "whatsapp" if agent == "telegram" else "telegram"
        assert not [r for r in stack.records(other) if r.get("correlation_id") == cid]

    db = Database(stack.db_url)

    def counted() -> dict[tuple[str, str], float]:
        totals: dict[tuple[str, str], float] = {}
        for s in read_series(db.engine):
            if s.name in ("onebox_deliveries_total", "onebox_orchestrator_messages_total"):
                key = (s.name, s.labels.get("channel", ""))
                totals[key] = totals.get(key, 0.0) + s.value
        return totals

    try:
        wait_for(lambda: len(counted()) == 4, within=20, what="metrics flushed")
        assert counted() == {
            ("onebox_deliveries_total", "telegram"): 1.0,
            ("onebox_deliveries_total", "whatsapp"): 1.0,
            ("onebox_orchestrator_messages_total", "telegram"): 1.0,
            ("onebox_orchestrator_messages_total", "whatsapp"): 1.0,
        }
    finally:
        db.close()
