"""An operator's reply to a WhatsApp customer whose 24-hour window has closed.

The real agent (app, runtime, sender) against the fake Cloud API, with a controlled clock
shared by the agent and the fake: the reply goes out as the business file's template with the
operator's text as its parameter, or, without a template, it is dead-lettered and its failure
notice is published for the operator chat in the same transaction. The fake refuses free text
outside the window (131047) and unknown templates or wrong parameters, as Meta does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from onebox_agent_whatsapp import testing as wa
from onebox_bus.contracts import FROM_OPERATOR, OutboundMessage, outbound_topic
from onebox_service import WhatsAppTemplate, with_failure_notice, with_sent_note

from .test_whatsapp_agent import CONV, HOUR, OUT, Agent, make_agent, wait_for

__all__ = ["make_agent"]  # the agent fixture, shared with the agent's own tests

pytestmark = pytest.mark.anyio

TEMPLATE = WhatsAppTemplate(name="operator_reply", language="en", takes_text=True)
OPERATOR_CHAT = "4242"


def operator_reply(
    agent: Agent,
    text: str,
    *,
    template: WhatsAppTemplate | None,
    note: OutboundMessage | None = None,
) -> int:
    """Publish an operator's reply as the orchestrator does (`HandoffDesk.operator_reply_meta`)."""
    notice = OutboundMessage(
        channel="telegram",
        conversation_id=OPERATOR_CHAT,
        text="#1 WhatsApp · Ada: your reply was not delivered: {reason}.",
        correlation_id="corr-op",
        reply_to="77",
    )
    meta = {FROM_OPERATOR: "1", **(template.to_meta() if template else {})}
    if note is not None:
        meta = with_sent_note(meta, note)
    message = OutboundMessage(
        channel="whatsapp",
        conversation_id=CONV,
        text=text,
        correlation_id="corr-op",
        received_at=agent.clock(),  # the operator's message: it says nothing of the customer's
        meta=with_failure_notice(meta, notice),
    )
    return agent.runtime.bus.publish(OUT, message.to_payload(), key=message.key)


async def customer_wrote_long_ago(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("hi", timestamp=agent.clock())))
    await agent.window_recorded()
    agent.graph.customer_wrote(wa.CUSTOMER, at=agent.clock())
    agent.clock.advance(25 * HOUR)


@pytest.fixture
async def agent(make_agent: Callable[..., Any], graph: wa.FakeGraphApi) -> Agent:
    made: Agent = await make_agent()
    graph.clock = made.clock  # the fake's window runs on the test's clock too
    return made


async def test_closed_window_sends_the_template_with_the_operators_text(agent: Agent) -> None:
    agent.graph.add_template("operator_reply", "en", body_params=1)
    await customer_wrote_long_ago(agent)
    operator_reply(agent, "Your pot is ready.\n\nCome by    any time!", template=TEMPLATE)
    [sent] = await wait_for(agent.graph.templates)
    said = {"type": "text", "text": "Your pot is ready. Come by any time!"}
    assert sent.body["template"] == {
        "name": "operator_reply",
        "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [said]}],
    }
    await wait_for(lambda: agent.runtime.bus.stats()[OUT].done == 1)
    assert agent.graph.texts() == []
    assert agent.runtime.bus.dead_letters(topic=OUT) == []


async def test_closed_window_without_a_template_tells_the_operator(agent: Agent) -> None:
    await customer_wrote_long_ago(agent)
    operator_reply(agent, "Your pot is ready.", template=None)
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "outside the 24-hour window" in (dead.error or "")
    assert "no approved template" in (dead.error or "")
    [claimed] = agent.runtime.bus.claim(outbound_topic("telegram"), consumer="test")
    notice = OutboundMessage.from_payload(claimed.payload)
    assert notice.conversation_id == OPERATOR_CHAT
    assert notice.reply_to == "77"
    assert notice.text.startswith("#1 WhatsApp · Ada: your reply was not delivered: outside the")
    assert "{reason}" not in notice.text
    assert agent.graph.message_requests() == []


async def test_a_refused_free_text_is_sent_again_as_the_template(agent: Agent) -> None:
    # The agent believes the window open (its row is recent), the platform knows better.
    agent.graph.add_template("operator_reply", "en", body_params=1)
    await agent.post(wa.payload(wa.text("hi", timestamp=agent.clock())))
    await agent.window_recorded()
    agent.graph.customer_wrote(wa.CUSTOMER, at=agent.clock() - 25 * HOUR)
    operator_reply(agent, "Back from holiday: yes, we have it.", template=TEMPLATE)
    [sent] = await wait_for(agent.graph.templates)
    [refused] = [r for r in agent.graph.message_requests() if r.status != 200]
    assert refused.body["type"] == "text"
    assert refused.answer["error"]["code"] == 131047
    assert sent.body["template"]["components"][0]["parameters"][0]["text"] == (
        "Back from holiday: yes, we have it."
    )
    await wait_for(lambda: agent.runtime.bus.stats()[OUT].done == 1)
    assert agent.runtime.bus.dead_letters(topic=OUT) == []


async def test_a_template_without_text_is_sent_and_the_operator_told_the_words_stayed_out(
    agent: Agent,
) -> None:
    agent.graph.add_template("hello_again", "en", body_params=0)
    await customer_wrote_long_ago(agent)
    plain = WhatsAppTemplate(name="hello_again", language="en", takes_text=False)
    note = OutboundMessage(
        channel="telegram", conversation_id=OPERATOR_CHAT, text="#1 WhatsApp · Ada: {note}",
        correlation_id="corr-op", reply_to="77",
    )  # fmt: skip
    reply_id = operator_reply(agent, "Your pot is ready.", template=plain, note=note)
    [sent] = await wait_for(agent.graph.templates)
    assert sent.body["template"] == {"name": "hello_again", "language": {"code": "en"}}
    await wait_for(lambda: agent.runtime.bus.stats()[OUT].done == 1)
    [claimed] = agent.runtime.bus.claim(outbound_topic("telegram"), consumer="test")
    told = OutboundMessage.from_payload(claimed.payload)
    assert claimed.dedupe_key == f"sent-note:{reply_id}"
    assert (told.conversation_id, told.reply_to) == (OPERATOR_CHAT, "77")
    assert told.text == (
        "#1 WhatsApp · Ada: the customer's 24-hour window had closed, so WhatsApp template "
        "'hello_again' went instead of your reply; it takes no text, so your words were not "
        "included. Write again once the customer answers it."
    )


async def test_an_unapproved_template_is_dead_lettered_and_the_operator_told(
    agent: Agent,
) -> None:
    await customer_wrote_long_ago(agent)  # no template approved in the fake
    operator_reply(agent, "Hello again", template=TEMPLATE)
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "template 'operator_reply'" in (dead.error or "")
    assert "132001" in (dead.error or "")
    [claimed] = agent.runtime.bus.claim(outbound_topic("telegram"), consumer="test")
    assert "132001" in OutboundMessage.from_payload(claimed.payload).text


async def test_the_fake_refuses_free_text_outside_the_window_and_bad_templates(
    agent: Agent,
) -> None:
    agent.graph.add_template("operator_reply", "en", body_params=1)
    agent.graph.customer_wrote(wa.CUSTOMER, at=agent.clock() - 25 * HOUR)
    agent.reply("Hello!")  # a bot reply: the agent has no window row, the platform decides
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "131047" in (dead.error or "")
    graph = agent.graph
    bodies: list[tuple[dict[str, Any], int]] = [
        ({"name": "operator_reply", "language": {"code": "en"}}, 132000),
        ({"name": "operator_reply", "language": {"code": "es"}}, 132001),
        ({"name": "Operator Reply", "language": {"code": "en"}}, 132001),
        (_with_text("two\nlines"), 100),
        (_with_text("five     spaces"), 100),
        (_with_text("x" * 1025), 100),
        (_with_text("fine"), 0),
    ]
    for template, code in bodies:
        body = {"messaging_product": "whatsapp", "to": wa.CUSTOMER, "type": "template"}
        status, raw = graph.handle(
            "POST",
            f"/v23.0/{wa.PHONE_NUMBER_ID}/messages",
            {"authorization": f"Bearer {wa.ACCESS_TOKEN}"},
            json.dumps({**body, "template": template}).encode(),
        )
        answer = json.loads(raw)
        assert (answer["error"]["code"] if status != 200 else 0) == code, template


def _with_text(text: str) -> dict[str, Any]:
    return {
        "name": "operator_reply",
        "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
    }
