"""An operator answers a WhatsApp customer after the 24-hour window closed, with ``onebox up``.

The fake Cloud API keeps the window as Meta does and runs 25 hours ahead once the handoff is
open, so the agent's first free-form send is refused with 131047. With a template in the
business file the operator's text reaches the customer as that template's parameter; without
one, the operator chat is told at once that nothing was delivered, and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from onebox_agent_telegram.testing import FakeBotAPI
from onebox_agent_whatsapp import testing as wa

from .conftest import UpStack, wait_for
from .test_e2e_handoff import CUSTOMER_NAME, OPERATOR_CHAT, Driver, stack_env

BUSINESS = """\
name = "Casa Verde"
time_zone = "Europe/Lisbon"
"""
TEMPLATE = """
[[whatsapp_templates]]
name = "operator_reply"
language = "en"
takes_text = true
"""
DAY = 24 * 3600.0


class AheadClock:
    """The fake platform's clock: real time plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi, AheadClock]]:
    clock = AheadClock()
    with FakeBotAPI() as bot, wa.FakeGraphApi(clock=clock) as graph:
        yield bot, graph, clock


@pytest.mark.parametrize("with_template", [True, False], ids=["template", "no-template"])
def test_an_operator_reply_after_the_window_closed(
    up_stack: Callable[..., UpStack],
    fakes: tuple[FakeBotAPI, wa.FakeGraphApi, AheadClock],
    tmp_path: Path,
    with_template: bool,
) -> None:
    bot, graph, platform_clock = fakes
    graph.add_template("operator_reply", "en", body_params=1)
    business = tmp_path / "business.toml"
    business.write_text(BUSINESS + (TEMPLATE if with_template else ""))
    stack = up_stack({**stack_env(bot, graph), "ONEBOX_BUSINESS_FILE": str(business)})

    def in_operator_chat() -> list[tuple[int, str]]:
        return bot.posts(OPERATOR_CHAT)

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)
        graph.customer_wrote(wa.CUSTOMER)
        drive.customer("Can you engrave a name on a ceramic pot?")
        wait_for(lambda: graph.texts() and in_operator_chat(), within=60, what="handoff")
        [(post_id, _)] = in_operator_chat()

        platform_clock.offset = DAY + 3600.0  # the customer's window has closed since
        drive.operator("Hello! Yes, we engrave pots:\n5 EUR per name.", reply_to=post_id)
        if with_template:
            [sent] = wait_for(graph.templates, within=60, what="template sent")
            assert sent.body["to"] == wa.CUSTOMER
            assert sent.body["template"]["name"] == "operator_reply"
            [body] = sent.body["template"]["components"]
            said = "Hello! Yes, we engrave pots: 5 EUR per name."
            assert body == {"type": "body", "parameters": [{"type": "text", "text": said}]}
            # The agent learnt the window is closed: the next reply goes as a template at once.
            drive.operator("We open at 9 tomorrow.", reply_to=post_id)
            wait_for(lambda: len(graph.templates()) == 2, within=60, what="second template")
            refused = [r for r in graph.message_requests() if r.status != 200]
            assert [r.answer["error"]["code"] for r in refused] == [131047]
            assert len(in_operator_chat()) == 1  # nothing to tell the operator
        else:
            wait_for(lambda: len(in_operator_chat()) == 2, within=60, what="failure notice")
            notice_id, notice = in_operator_chat()[1]
            assert notice.startswith(
                f"#1 WhatsApp · {CUSTOMER_NAME}: your reply was not delivered: graph api error "
                "131047"
            )
            assert "the business file names none ([[whatsapp_templates]])" in notice
            [request] = bot.sent(OPERATOR_CHAT)[1:]
            assert "reply_parameters" in request.params  # it answers the operator's message
            assert graph.templates() == []
            assert notice_id > post_id
    assert len(graph.texts()) == 1  # the holding reply only: no free text outside the window
