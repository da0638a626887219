"""The person behind the bot, all the way round, with the stack run by ``onebox up``.

A WhatsApp customer asks what the bot cannot answer (no model configured: the offline FAQ
has no answer) -> one escalation post in the Telegram operator chat -> the operator's reply
to it reaches the customer on WhatsApp -> the customer's next two messages are relayed to
the operator chat, not answered -> ``/done`` -> the bot answers again. Bad operator input
(a reply to a message that is not an escalation, a reply to a closed handoff) gets a clear
answer in the operator chat.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from onebox_agent_telegram.testing import FakeBotAPI, message_update, reply_update, update_bytes
from onebox_agent_whatsapp import testing as wa

from .conftest import BIN, UpStack, wait_for

SECRET = "e2e-webhook-secret"
OPERATOR_CHAT = 4242
CUSTOMER_NAME = "Sheena Nelson"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi]]:
    with FakeBotAPI() as bot, wa.FakeGraphApi() as graph:
        yield bot, graph


class Driver:
    """Posts signed webhooks to the agents the way the platforms do."""

    def __init__(self, stack: UpStack, http: httpx.Client) -> None:
        self.stack = stack
        self.http = http
        self.update_id = 70_000

    def customer(self, text: str) -> None:
        body = wa.meta_bytes(wa.payload(wa.text(text, timestamp=time.time())))
        url = self.stack.urls["whatsapp"] + "/webhook/whatsapp"
        assert self.http.post(url, content=body, headers=wa.signed_headers(body)).status_code == 200

    def operator(self, text: str, *, reply_to: int | None = None) -> None:
        self.telegram(OPERATOR_CHAT, text, reply_to=reply_to)

    def telegram(self, chat_id: int, text: str, *, reply_to: int | None = None) -> None:
        self.update_id += 1
        if reply_to is None:
            update = message_update(self.update_id, chat_id, text)
        else:
            update = reply_update(self.update_id, chat_id, text, reply_to=reply_to)
        response = self.http.post(
            self.stack.urls["telegram"] + "/webhook/telegram",
            content=update_bytes(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert response.status_code == 200


def stack_env(bot: FakeBotAPI, graph: wa.FakeGraphApi) -> dict[str, str]:
    """Both channels pointed at the fakes, an operator chat, and no model (offline FAQ)."""
    return {
        "ONEBOX_TELEGRAM_BOT_TOKEN": bot.token,
        "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
        "ONEBOX_TELEGRAM_API_URL": bot.url,
        "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ONEBOX_WHATSAPP_API_URL": graph.url,
        "ONEBOX_OPERATOR_CHAT_ID": str(OPERATOR_CHAT),
    }


def test_a_whatsapp_customer_is_handed_to_a_person_and_back(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    stack = up_stack(stack_env(bot, graph))

    def to_customer() -> list[str]:
        return [r.body["text"]["body"] for r in graph.texts() if r.body["to"] == wa.CUSTOMER]

    def in_operator_chat() -> list[tuple[int, str]]:
        return bot.posts(OPERATOR_CHAT)

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)

        # 1. Nothing answers this: the customer is told a person will reply, and one is told.
        drive.customer("Can you engrave a name on a ceramic pot?")
        wait_for(lambda: to_customer() and in_operator_chat(), within=60, what="handoff")
        [holding] = to_customer()
        assert "a person will reply in this chat" in holding
        [(post_id, post)] = in_operator_chat()
        assert post.startswith(f"New handoff #1: WhatsApp · {CUSTOMER_NAME}")
        assert "Why: the bot could not answer." in post
        assert "Customer: Can you engrave a name on a ceramic pot?" in post

        # 2. The operator's reply to the post reaches the customer on WhatsApp.
        drive.operator("Hello! Yes, we engrave pots: 5 EUR per name.", reply_to=post_id)
        wait_for(lambda: len(to_customer()) == 2, within=60, what="operator reply delivered")
        assert to_customer()[1] == "Hello! Yes, we engrave pots: 5 EUR per name."

        # 3. The customer's next two messages are relayed to the operator, not answered.
        drive.customer("Great, can it be ready by Friday?")
        wait_for(lambda: len(in_operator_chat()) == 2, within=60, what="first relay")
        drive.customer("Do you ship internationally?")
        wait_for(lambda: len(in_operator_chat()) == 3, within=60, what="second relay")
        relays = in_operator_chat()[1:]
        assert [text for _, text in relays] == [
            f"#1 WhatsApp · {CUSTOMER_NAME} writes:\nGreat, can it be ready by Friday?",
            f"#1 WhatsApp · {CUSTOMER_NAME} writes:\nDo you ship internationally?",
        ]
        relay_requests = bot.sent(OPERATOR_CHAT)[1:]
        assert all(r.params["reply_parameters"]["message_id"] == post_id for r in relay_requests)

        # A reply to something that is not an escalation post is refused, clearly.
        drive.operator("/who")
        wait_for(lambda: len(in_operator_chat()) == 4, within=60, what="/who answer")
        who_id, who_text = in_operator_chat()[3]
        assert f"#1 WhatsApp · {CUSTOMER_NAME}: open" in who_text
        drive.operator("this goes nowhere", reply_to=who_id)
        wait_for(lambda: len(in_operator_chat()) == 5, within=60, what="not-an-escalation answer")
        assert in_operator_chat()[4][1].startswith("That message is not an escalation post")

        # 4. /done hands the conversation back; the bot answers again.
        drive.operator("/done", reply_to=post_id)
        wait_for(lambda: len(in_operator_chat()) == 6, within=60, what="/done answer")
        assert in_operator_chat()[5][1] == f"#1 WhatsApp · {CUSTOMER_NAME} is back with the bot."
        drive.customer("Do you ship internationally?")
        wait_for(lambda: len(to_customer()) == 3, within=60, what="the bot answers again")
        assert to_customer()[2].startswith("We ship within the EU.")

        # A reply to the closed handoff's post sends nothing and says why.
        drive.operator("one more thing", reply_to=post_id)
        wait_for(lambda: len(in_operator_chat()) == 7, within=60, what="closed answer")
        assert "was handed back to the bot" in in_operator_chat()[6][1]

    # Exactly one escalation post, two relays, and the customer got exactly three messages.
    posts = [text for _, text in in_operator_chat()]
    assert sum(text.startswith("New handoff") for text in posts) == 1
    assert len(to_customer()) == 3


def test_a_telegram_customer_is_handed_to_a_person_and_back(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    stack = up_stack(stack_env(bot, graph))
    customer = 777001

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)
        drive.telegram(customer, "Can I talk to a human please?")
        wait_for(lambda: bot.posts(customer) and bot.posts(OPERATOR_CHAT), within=60, what="post")
        [(_, told)] = bot.posts(customer)
        assert told.startswith("Thanks for your message! I have passed it to our team")
        [(post_id, post)] = bot.posts(OPERATOR_CHAT)
        assert post.startswith("New handoff #1: Telegram · Ada")
        assert "Why: the customer asked for a person." in post

        drive.operator("Hi Ada, this is Marta from the shop.", reply_to=post_id)
        wait_for(lambda: len(bot.posts(customer)) == 2, within=60, what="operator reply")
        assert bot.posts(customer)[1][1] == "Hi Ada, this is Marta from the shop."

        drive.telegram(customer, "/done")  # a customer's command is only a customer message
        wait_for(lambda: len(bot.posts(OPERATOR_CHAT)) == 2, within=60, what="relay")
        assert bot.posts(OPERATOR_CHAT)[1][1] == "#1 Telegram · Ada writes:\n/done"

        drive.operator("/done", reply_to=post_id)
        wait_for(lambda: len(bot.posts(OPERATOR_CHAT)) == 3, within=60, what="/done answer")
        drive.telegram(customer, "Do you ship internationally?")
        wait_for(lambda: len(bot.posts(customer)) == 3, within=60, what="the bot answers again")
        assert bot.posts(customer)[2][1].startswith("We ship within the EU.")
    assert graph.texts() == []


class Terminal:
    """``onebox chat ...`` in its own process, fed lines on stdin; its output collected."""

    def __init__(self, stack: UpStack, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "onebox"), "chat", *args],
            cwd=stack.folder,
            env=stack.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def type(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def seen(self, fragment: str) -> bool:
        return any(fragment in line for line in self.lines)

    def close(self) -> int:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        self.proc.stdout.close()
        return code


def test_the_loop_from_two_terminals_in_sandbox_mode(up_stack: Callable[..., UpStack]) -> None:
    stack = up_stack({"ONEBOX_OPERATOR_CHAT_ID": str(OPERATOR_CHAT)})
    operator = Terminal(stack, "--operator")
    customer = Terminal(stack, "--channel", "whatsapp", "--chat-id", "15550001111")
    try:
        operator.type("/who")  # the terminal shows what arrives once it runs: wait for that
        wait_for(lambda: operator.seen("bot> No open handoffs"), within=60, what="operator ready")
        customer.type("Can you engrave a name on a ceramic pot?")
        wait_for(lambda: customer.seen("a person will reply"), within=60, what="holding reply")
        wait_for(lambda: operator.seen("bot> New handoff #1: WhatsApp"), within=60, what="post")
        operator.type("#1 Yes, 5 EUR per name.")
        wait_for(lambda: customer.seen("person> Yes, 5 EUR per name."), within=60, what="reply")
        customer.type("Great, thanks!")
        wait_for(lambda: customer.seen("(relayed to a person"), within=60, what="relayed")
        wait_for(lambda: operator.seen("writes:"), within=60, what="relay in the operator chat")
        operator.type("/done 1")
        wait_for(lambda: operator.seen("is back with the bot."), within=60, what="/done")
        customer.type("Do you ship internationally?")
        wait_for(lambda: customer.seen("bot> We ship within the EU."), within=60, what="bot")
    finally:
        codes = (customer.close(), operator.close())
    assert codes == (0, 0), customer.lines + operator.lines
