"""The dashboard's handoff page and reply box (real app with its workers, real SQLite db)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, InboundMessage, OutboundMessage, outbound_topic
from onebox_orchestrator.handoffs import HandoffStore

from .conftest import TOKEN
from .test_dashboard_access import LOCAL, csrf_of

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OPERATOR_CHAT = 4242
NAME = '<script>alert("x")</script> & Co'


async def wait_for(predicate: Callable[[], Any], within: float = 10.0) -> Any:
    with anyio.fail_after(within):
        while not (value := predicate()):  # noqa: ASYNC110 - polling with a deadline
            await anyio.sleep(0.02)
    return value


def customer_asks(bus: Bus, text: str) -> None:
    message = InboundMessage(
        channel="telegram", conversation_id="77", sender_id="77", sender_name=NAME, text=text,
        platform_message_id="5", received_at=bus.clock(), correlation_id="c-customer",
    )  # fmt: skip
    bus.publish(INBOUND, message.to_payload(), key=message.key)


def outbound(bus: Bus) -> list[OutboundMessage]:
    claimed = bus.claim(outbound_topic("telegram"), limit=100, consumer="test")
    bus.ack_many(claimed)
    return [OutboundMessage.from_payload(m.payload) for m in claimed]


async def test_open_handoffs_are_listed_escaped_and_answered_from_the_browser(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    app = make_app(host="0.0.0.0", operator_chat_id=OPERATOR_CHAT)
    store = HandoffStore(bus.db)
    async with AsyncTestClient(app, base_url=LOCAL) as client:
        assert (await client.get("/handoffs")).status_code == 401
        empty = await client.get("/handoffs", headers=AUTH)
        assert "No open handoffs" in empty.text
        customer_asks(bus, "Can I talk to a human, please?")
        await wait_for(store.open_handoffs)
        sent = await wait_for(lambda: outbound(bus))
        assert len(sent) == 2  # the customer's holding reply and the escalation post

        page = await client.get("/handoffs", headers=AUTH)
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page.text
        assert 'data-handoff="1"' in page.text
        assert "Open handoffs (1)" in page.text
        csrf = csrf_of(page.text)
        body = {"text": "Hello, this is Marta from the shop.", "nonce": "nonce-0001"}
        url = "/api/handoffs/1/reply"

        assert (await client.post(url, json=body, headers=AUTH)).status_code == 403
        forged = {**AUTH, "X-CSRF-Token": csrf + "x"}
        assert (await client.post(url, json=body, headers=forged)).status_code == 403
        good = {**AUTH, "X-CSRF-Token": csrf}
        ok = await client.post(url, json=body, headers=good)
        assert ok.status_code == 202
        assert ok.json()["queued"] is True
        again = await client.post(url, json=body, headers=good)  # a double submit
        assert again.status_code == 202

        replies = await wait_for(lambda: outbound(bus))
        await anyio.lowlevel.checkpoint()
        replies += outbound(bus)
        to_customer = [r for r in replies if r.conversation_id == "77"]
        in_chat = [r for r in replies if r.conversation_id == str(OPERATOR_CHAT)]
        assert [r.text for r in to_customer] == ["Hello, this is Marta from the shop."]
        assert [r.text for r in in_chat] == [
            f"#1 Telegram · {NAME}: answered from the dashboard:\n"
            "Hello, this is Marta from the shop."
        ]
        handoff = store.get(1)
        assert handoff is not None
        assert handoff.last_operator_at is not None  # the idle clock started again

        for bad, status in (
            ({"text": "", "nonce": "nonce-0002"}, 400),
            ({"text": "   ", "nonce": "nonce-0003"}, 400),
            ({"text": "hi"}, 400),
        ):
            assert (await client.post(url, json=bad, headers=good)).status_code == status
        missing = await client.post(
            "/api/handoffs/9/reply", json={"text": "hi", "nonce": "nonce-0004"}, headers=good
        )
        assert missing.status_code == 404
        with bus.db.transaction() as conn:
            store.close(conn, 1, by="operator")
        closed = await client.post(url, json={"text": "hi", "nonce": "nonce-0005"}, headers=good)
        assert closed.status_code == 409
        assert "back with the bot" in closed.json()["error"]
        script = await client.get("/handoffs.js", headers=AUTH)
        assert "X-CSRF-Token" in script.text
    assert [r.text for r in outbound(bus) if r.conversation_id == "77"] == []
