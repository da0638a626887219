"""A forum supergroup as the operator chat: one topic per handed-over conversation (onebox up).

The fake Bot API keeps topics as Telegram does (``createForumTopic``; a message sent with a
``message_thread_id`` or as a reply lands in that topic). Each escalation opens its topic;
the operator answers inside it without replying to any post; the customer's messages are
relayed into it; ``/done`` written there hands that conversation back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from onebox_agent_telegram.testing import FakeBotAPI, topic_update, update_bytes
from onebox_agent_whatsapp import testing as wa

from .conftest import UpStack, wait_for
from .test_e2e_handoff import CUSTOMER_NAME, SECRET, Driver, stack_env

FORUM = -1001234567890


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBotAPI, wa.FakeGraphApi]]:
    with FakeBotAPI() as bot, wa.FakeGraphApi() as graph:
        bot.make_forum(FORUM)
        yield bot, graph


def test_each_handoff_gets_its_topic_and_is_answered_there(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    env = {**stack_env(bot, graph), "ONEBOX_OPERATOR_CHAT_ID": str(FORUM)}
    stack = up_stack({**env, "ONEBOX_OPERATOR_TOPICS": "true"})

    def in_topic(thread: int) -> list[str]:
        return [text for mid, text in bot.posts(FORUM) if bot.thread_of(FORUM, mid) == thread]

    def to_customer() -> list[str]:
        return [r.body["text"]["body"] for r in graph.texts()]

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)

        def in_the_topic(thread: int, name: str, text: str) -> None:
            drive.update_id += 1
            update = topic_update(
                drive.update_id, FORUM, text, thread_id=thread, topic_name=name,
                message_id=50_000 + drive.update_id,  # the chat's ids: none of the bot's
            )  # fmt: skip
            response = http.post(
                stack.urls["telegram"] + "/webhook/telegram",
                content=update_bytes(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert response.status_code == 200

        drive.customer("Can you engrave a name on a ceramic pot?")
        [(thread, name)] = wait_for(lambda: list(bot.topics(FORUM).items()), within=60,
                                    what="a topic")  # fmt: skip
        assert name == f"#1 WhatsApp · {CUSTOMER_NAME}"
        [post] = wait_for(lambda: in_topic(thread), within=60, what="the post in its topic")
        assert post.startswith(f"New handoff #1: WhatsApp · {CUSTOMER_NAME}")

        in_the_topic(thread, name, "Hello! Yes, we engrave pots: 5 EUR per name.")
        wait_for(lambda: len(to_customer()) == 2, within=60, what="operator reply delivered")
        assert to_customer()[1] == "Hello! Yes, we engrave pots: 5 EUR per name."

        drive.customer("Great, can it be ready by Friday?")
        wait_for(lambda: len(in_topic(thread)) == 2, within=60, what="relay in the topic")
        assert in_topic(thread)[1].endswith("writes:\nGreat, can it be ready by Friday?")

        drive.telegram(777002, "I want to speak to a human")
        wait_for(lambda: len(bot.topics(FORUM)) == 2, within=60, what="a second topic")
        second = max(bot.topics(FORUM))
        assert bot.topics(FORUM)[second] == "#2 Telegram · Ada"
        wait_for(lambda: in_topic(second), within=60, what="the second post")

        in_the_topic(thread, name, "/done")
        wait_for(lambda: len(in_topic(thread)) == 3, within=60, what="/done answered")
        assert in_topic(thread)[2] == f"#1 WhatsApp · {CUSTOMER_NAME} is back with the bot."
        drive.customer("Do you ship internationally?")
        wait_for(lambda: len(to_customer()) == 3, within=60, what="the bot answers again")
        assert to_customer()[2].startswith("We ship within the EU.")
    # Nothing about the first conversation leaked into the General topic or the second one.
    assert all(bot.thread_of(FORUM, mid) is not None for mid, _ in bot.posts(FORUM))
    assert len(in_topic(second)) == 1
