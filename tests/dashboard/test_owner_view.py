"""The owner's view: conversations, threads with how each reply was made, unanswered groups,
and teaching an answer, on the real app answering real inbound messages (offline router)."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND
from onebox_orchestrator.conversations import ConversationReader
from onebox_orchestrator.questions import QuestionGroups
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import FaqStore

from .conftest import TOKEN

pytestmark = pytest.mark.anyio

LOCAL = "http://127.0.0.1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVIL = "<script>alert('x')</script>"


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found is not None
    return found.group(1)


async def ask(bus: Bus, *messages: tuple[str, str, str | None]) -> None:
    """Publish (text, chat, sender name) messages, each once the one before is answered (a
    customer who reads the reply: never a burst folded into one answer)."""
    for text, chat, name in messages:
        before = bus.stats().get(INBOUND)
        done = before.done if before else 0
        inbound = dataclasses.replace(make_inbound(text, conversation_id=chat), sender_name=name)
        publish_inbound(bus, inbound)
        deadline = time.monotonic() + 20
        while (bus.stats()[INBOUND].done if INBOUND in bus.stats() else 0) < done + 1:
            assert time.monotonic() < deadline, "the orchestrator did not answer in time"
            await anyio.sleep(0.02)


async def test_threads_show_every_message_in_order_with_how_it_was_made(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        await ask(
            bus,
            ("What are your opening hours?", "42", "Ana"),
            ("Do you sell gift cards?", "42", "Ana"),
        )
        await ask(bus, (f"Do you sell gift vouchers? {EVIL}", "7", EVIL))  # the newest
        listed = (await client.get("/api/conversations", headers=AUTH)).json()
        keys = [c["id"] for c in listed["conversations"]]
        assert keys == ["telegram:7", "telegram:42"]  # newest activity first
        assert listed["conversations"][1]["customer_name"] == "Ana"
        assert {c["state"] for c in listed["conversations"]} == {"bot"}

        thread = (await client.get("/api/conversations/telegram:42", headers=AUTH)).json()
        said = [(m["role"], m["origin"]) for m in thread["messages"]]
        assert said == [
            ("user", "customer"), ("assistant", "faq"), ("user", "customer"),
            ("assistant", "fallback"),
        ]  # fmt: skip
        assert thread["messages"][0]["text"] == "What are your opening hours?"
        assert thread["messages"][1]["text"].startswith("We are open Monday to Friday")
        times = [m["at"] for m in thread["messages"]]
        assert times == sorted(times)

        # filters and search
        found = (await client.get("/api/conversations?q=VOUCHERS", headers=AUTH)).json()
        assert [c["id"] for c in found["conversations"]] == ["telegram:7"]
        assert (await client.get("/api/conversations?q=100%25", headers=AUTH)).json()[
            "conversations"
        ] == []
        assert (await client.get("/api/conversations?channel=whatsapp", headers=AUTH)).json()[
            "conversations"
        ] == []
        handoff = await client.get("/api/conversations?state=handoff", headers=AUTH)
        assert handoff.json()["conversations"] == []
        paged = (await client.get("/api/conversations?limit=1", headers=AUTH)).json()
        assert paged["next_offset"] == 1
        assert len(paged["conversations"]) == 1
        second = (await client.get("/api/conversations?limit=1&offset=1", headers=AUTH)).json()
        assert [c["id"] for c in second["conversations"]] == ["telegram:42"]

        # the pages escape what customers wrote
        page = await client.get("/conversations", headers=AUTH)
        assert page.status_code == 200
        assert EVIL not in page.text
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
        one = await client.get("/conversations/telegram%3A7", headers=AUTH)
        assert one.status_code == 200
        assert EVIL not in one.text
        assert "&lt;script&gt;" in one.text
        assert "offline fallback" in one.text
        assert "default-src 'none'" in one.headers["content-security-policy"]


async def test_bad_parameters_and_unknown_conversations_get_clear_answers(
    make_app: Callable[..., Litestar],
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        for query, word in (
            ("state=asleep", "state"), ("limit=0", "limit"), ("limit=abc", "limit"),
            ("offset=-1", "offset"), ("channel=%3Cb%3E", "channel"), ("q=" + "x" * 300, "q"),
        ):  # fmt: skip
            answer = await client.get(f"/api/conversations?{query}", headers=AUTH)
            assert answer.status_code == 400, query
            assert word in answer.json()["error"]
            assert (await client.get(f"/conversations?{query}", headers=AUTH)).status_code == 400
        missing = await client.get("/api/conversations/telegram:404", headers=AUTH)
        assert missing.status_code == 404
        assert (await client.get("/conversations/telegram:404", headers=AUTH)).status_code == 404


async def test_only_the_signed_in_owner_sees_conversations(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        await ask(bus, ("Do you sell gift cards?", "42", "Ana"))
        for path in (
            "/conversations", "/conversations/telegram:42", "/api/conversations",
            "/api/conversations/telegram:42", "/unanswered", "/api/unanswered",
        ):  # fmt: skip
            refused = await client.get(path, headers={"Authorization": "Bearer wrong"})
            assert refused.status_code == 401, path
            assert "gift" not in refused.text
        post = await client.post("/api/unanswered/1/answer", json={"answer": "yes"})
        assert post.status_code == 401


async def test_unanswered_groups_paraphrases_and_teaching_checks_its_input(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        await ask(bus, ("Do you sell gift cards?", "42", "Ana"))  # first, then the rest
        await ask(
            bus,
            ("do you sell gift vouchers", "7", "Bo"),
            ("Can I bring my dog?", "8", None),
            ("What are your opening hours?", "9", None),
        )
        groups = (await client.get("/api/unanswered", headers=AUTH)).json()["groups"]
        assert [(g["count"], g["example"]) for g in groups] == [
            (2, "do you sell gift vouchers"), (1, "Can I bring my dog?"),
        ]  # fmt: skip
        gift = groups[0]
        assert gift["question"] == "Do you sell gift cards?"
        assert gift["first_at"] <= gift["last_at"]

        page = await client.get("/unanswered", headers=AUTH)
        token = csrf_of(page.text)
        assert f'data-group="{gift["id"]}" data-count="2"' in page.text
        url = f"/api/unanswered/{gift['id']}/answer"
        csrf = {**AUTH, "X-CSRF-Token": token}

        no_token = await client.post(url, json={"answer": "Yes."}, headers=AUTH)
        assert no_token.status_code == 403
        wrong = {**AUTH, "X-CSRF-Token": token + "x"}
        forged = await client.post(url, json={"answer": "Yes."}, headers=wrong)
        assert forged.status_code == 403
        empty = await client.post(url, json={"answer": "   "}, headers=csrf)
        assert (empty.status_code, empty.json()["error"]) == (400, "the answer is empty")
        huge = await client.post(url, json={"answer": "x" * 100_000}, headers=csrf)
        assert huge.status_code == 413
        assert "too long" in huge.json()["error"]
        long = await client.post(url, json={"answer": "x" * 5000}, headers=csrf)
        assert long.status_code == 400
        assert "limit" in long.json()["error"]
        garbage = await client.post(url, content=b"{nope", headers=csrf)
        assert garbage.status_code == 400
        yes = {"answer": "Yes."}
        unknown = await client.post("/api/unanswered/999999/answer", json=yes, headers=csrf)
        assert unknown.status_code == 404
        assert "999999" in unknown.json()["error"]
        not_a_number = await client.post("/api/unanswered/abc/answer", json=yes, headers=csrf)
        assert 400 <= not_a_number.status_code < 500
        still = (await client.get("/api/unanswered", headers=AUTH)).json()["groups"]
        assert [g["count"] for g in still] == [2, 1], "a refused answer changed nothing"

        html_answer = f"<b>Yes</b>: gift cards from 10 EUR {EVIL}"
        ok = await client.post(url, json={"answer": html_answer}, headers=csrf)
        assert ok.status_code == 200, ok.text
        faq_id = ok.json()["faq_id"]
        stored = FaqStore(bus.db).get(int(faq_id))
        assert stored is not None
        assert (stored.question, stored.answer) == ("Do you sell gift cards?", html_answer)
        again = await client.post(url, json={"answer": "Yes."}, headers=csrf)
        assert again.status_code == 409

        left = (await client.get("/api/unanswered", headers=AUTH)).json()["groups"]
        assert [g["example"] for g in left] == ["Can I bring my dog?"]
        answered = (await client.get("/api/unanswered?answered=1", headers=AUTH)).json()
        assert [(g["id"], g["answer"]) for g in answered["groups"]] == [(gift["id"], html_answer)]
        shown = await client.get("/unanswered?answered=1", headers=AUTH)
        assert EVIL not in shown.text
        assert "&lt;b&gt;Yes&lt;/b&gt;" in shown.text


def test_nothing_older_than_the_retention_is_shown(bus: Bus) -> None:
    from onebox_orchestrator.memory import ConversationMemory

    now = [1_800_000_000.0]

    def clock() -> float:
        return now[0]

    memory = ConversationMemory(bus.db, retention=3600.0, clock=clock)
    questions = QuestionGroups(bus.db, retention=3600.0, clock=clock)
    reader = ConversationReader(bus.db, retention=3600.0, clock=clock)
    for i, (chat, offset) in enumerate((("old", 0.0), ("new", 3000.0))):
        now[0] = 1_800_000_000.0 + offset
        with bus.db.transaction() as conn:
            group = questions.assign(conn, "Do you sell gift cards?")
            memory.record(
                conn, conversation_key=f"telegram:{chat}", inbound_id=i, channel="telegram",
                correlation_id=None, user_text="Do you sell gift cards?", reply_text="Sorry.",
                provider="offline", origin="fallback", question_group=group,
            )  # fmt: skip
    now[0] = 1_800_000_000.0 + 3700.0  # the first exchange is past the retention
    assert [c.key for c in reader.listing()] == ["telegram:new"]
    assert reader.thread("telegram:old") is None
    (group,) = questions.listing()
    assert group.count == 1
    now[0] += 3600.0
    assert reader.listing() == []
    assert questions.listing() == []


async def test_the_unanswered_page_has_a_form_per_group_and_our_script(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        await ask(bus, (f"Do you deliver {EVIL}?", "5", None))
        page = await client.get("/unanswered", headers=AUTH)
        assert page.status_code == 200
        assert 'form class="teach"' in page.text
        assert '<script src="/static/owner.js" defer></script>' in page.text
        assert EVIL not in page.text
        script: Any = await client.get("/static/owner.js")
        assert script.status_code == 200
        assert "X-CSRF-Token" in script.text
        assert "onebox_csrf" in page.headers["set-cookie"]
