"""The owner's loop, with the stack run by ``onebox up``: see what the bot could not answer,
teach it once, and it answers from then on, with no restart.

Telegram customers (a fake Bot API on loopback, signed webhooks) ask a question the FAQ does
not cover, in two wordings -> ``onebox unanswered --json`` and the dashboard's
``/api/unanswered`` show it once, asked twice -> the owner answers it on the dashboard (the
page's CSRF token in the cookie and the header) -> the same question asked a third time is
answered from the new FAQ entry, and the conversation's thread says so. Then the same with
``onebox faq add`` from the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from onebox_agent_telegram.testing import FakeBotAPI, message_update, update_bytes

from .conftest import UpStack, wait_for

SECRET = "e2e-webhook-secret"
TOKEN = "e2e-owner-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOGS = "Dogs on a lead are welcome in the shop."
ANSWER = "Yes: bring the pieces to the shop; a repair costs from 8 EUR."


@pytest.fixture
def bot() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


def test_an_unanswered_question_is_taught_once_and_answered_from_then_on(
    up_stack: Callable[..., UpStack], bot: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = up_stack({
        "ONEBOX_TELEGRAM_BOT_TOKEN": bot.token,
        "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
        "ONEBOX_TELEGRAM_API_URL": bot.url,
        "ONEBOX_ADMIN_TOKEN": TOKEN,
    })  # fmt: skip
    update_id = iter(range(90_000, 91_000))

    def ask(chat_id: int, text: str, http: httpx.Client) -> None:
        body = update_bytes(message_update(next(update_id), chat_id, text))
        response = http.post(
            stack.urls["telegram"] + "/webhook/telegram",
            content=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert response.status_code == 200

    def replies(chat_id: int) -> list[str]:
        return bot.sent_texts(chat_id)

    orchestrator = stack.urls["orchestrator"]
    with httpx.Client(timeout=10) as http:
        ask(501, "Do you repair broken pots?", http)
        wait_for(lambda: replies(501), within=60, what="the first answer")
        ask(502, "do you fix broken pots", http)
        wait_for(lambda: replies(502), within=60, what="the second answer")
        assert ANSWER not in replies(501) + replies(502)

        code, out, _ = stack.cli(capsys, "unanswered", "--json")
        assert code == 0
        [group] = [g for g in orjson.loads(out)["groups"] if "pots" in g["example"]]
        assert group["count"] == 2
        api: Any = http.get(orchestrator + "/api/unanswered", headers=AUTH).json()
        assert [(g["id"], g["count"]) for g in api["groups"]] == [(group["id"], 2)]

        page = http.get(orchestrator + "/unanswered", headers=AUTH)
        assert page.status_code == 200
        found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert found is not None
        url = f"{orchestrator}/api/unanswered/{group['id']}/answer"
        refused = http.post(url, json={"answer": ANSWER}, headers=AUTH)
        assert refused.status_code == 403
        taught = http.post(
            url, json={"answer": ANSWER}, headers={**AUTH, "X-CSRF-Token": found.group(1)}
        )
        assert taught.status_code == 200, taught.text

        ask(501, "Do you repair broken pots?", http)
        wait_for(lambda: len(replies(501)) == 2, within=60, what="the third answer")
        assert replies(501)[1] == ANSWER

        thread = http.get(orchestrator + "/api/conversations/telegram:501", headers=AUTH).json()
        assert [(m["role"], m["origin"]) for m in thread["messages"]] == [
            ("user", "customer"), ("assistant", "fallback"),
            ("user", "customer"), ("assistant", "faq"),
        ]  # fmt: skip
        assert thread["messages"][3]["text"] == ANSWER
        left = http.get(orchestrator + "/api/unanswered", headers=AUTH).json()["groups"]
        assert left == []

        # The same loop through the command line: `onebox faq add`, no restart either.
        ask(503, "Can I bring my dog into the shop?", http)
        ask(504, "can I bring my dog in the shop", http)
        wait_for(lambda: replies(503) and replies(504), within=60, what="the dog answers")
        code, out, _ = stack.cli(capsys, "unanswered", "--json")
        assert [g["count"] for g in orjson.loads(out)["groups"]] == [2]
        code, _, err = stack.cli(
            capsys, "faq", "add", "--question", "Can I bring my dog into the shop?",
            "--answer", DOGS,
        )  # fmt: skip
        assert code == 0, err
        ask(503, "Can I bring my dog into the shop?", http)
        wait_for(lambda: len(replies(503)) == 2, within=60, what="the dog answer from the FAQ")
        assert replies(503)[1] == DOGS
