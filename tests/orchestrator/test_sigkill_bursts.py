"""Bursts across a SIGKILL of a real orchestrator process: nothing lost, nothing answered twice.

Two moments of the ``decide`` policy: while bursts of fragments wait on the bus for their
quiet window, and while answers are being prepared with messages folded into them (a question
routed again with the one that followed it; a fragment that made its burst wait again).
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router.testing import FakeOpenAIServer, RecordedRequest

from .test_sigkill import done, poll, start

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only("real processes: tests/e2e holds them")]


def deferred(db_url: str) -> int:
    """Conversations whose messages were given back to wait for the rest of their burst."""
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        row = conn.execute(
            "SELECT COUNT(DISTINCT key) FROM bus_messages WHERE topic = 'inbound' "
            "AND state = 'ready' AND visible_at > created_at + 1.0"
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def settled(db_url: str) -> tuple[list[tuple[str, str]], dict[str, list[str]], int]:
    """The replies (dedupe key, conversation key), the user turns per conversation, and how
    many messages are dead."""
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        replies = conn.execute(
            "SELECT dedupe_key, key FROM bus_messages WHERE topic = 'outbound.telegram' "
            "AND dedupe_key LIKE 'reply:%' ORDER BY id"
        ).fetchall()
        turns: dict[str, list[str]] = {}
        for key, text in conn.execute(
            "SELECT conversation_key, text FROM orchestrator_turns WHERE role = 'user' ORDER BY id"
        ):
            turns.setdefault(key, []).append(text)
        (dead,) = conn.execute("SELECT COUNT(*) FROM bus_messages WHERE state = 'dead'").fetchone()
    finally:
        conn.close()
    return [(d, k) for d, k in replies], turns, int(dead)


def test_sigkill_during_a_burst_wait_loses_nothing_and_answers_each_burst_once(
    db_url: str, bus: Bus, tmp_path: Path
) -> None:
    extra = {"ONEBOX_BURST_QUIET_SECONDS": "3"}
    first = start(db_url, tmp_path, 1, **extra)
    bursts: dict[str, list[int]] = {}
    try:
        publish_inbound(bus, make_inbound("What are your opening hours?", conversation_id="p"))
        poll(lambda: done(bus) == 1, timeout=30, what="the first process to be up")
        for chat in range(8):
            for part in ("hi,", "my order,", f"number 44{chat},", "has not arrived and"):
                inbound_id = publish_inbound(bus, make_inbound(part, conversation_id=str(chat)))
                bursts.setdefault(str(chat), []).append(inbound_id)
        poll(lambda: deferred(db_url) >= 8, timeout=10, what="every burst to wait")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert done(bus) == 1, "the kill must land while the bursts wait"

    second = start(db_url, tmp_path, 2, **extra)
    try:
        poll(lambda: done(bus) == 33, timeout=60, what="the restarted process to answer")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    replies, turns, dead = settled(db_url)
    assert dead == 0
    for chat, ids in bursts.items():  # one reply per burst, for all four fragments in order
        assert [d for d, k in replies if k == f"telegram:{chat}"] == [f"reply:{ids[0]}"]
        assert turns[f"telegram:{chat}"] == [
            f"hi,\nmy order,\nnumber 44{chat},\nhas not arrived and"
        ]


CHATS = 6


def test_sigkill_while_folding_loses_nothing_and_answers_each_message_once(
    db_url: str, bus: Bus, tmp_path: Path
) -> None:
    """Each chat asks a question; while it is routed (1.5 s), the customer writes again: a
    second question in even chats (folded, routed again), a fragment in odd ones (folded, the
    burst waits its quiet window). The kill lands while the even chats are routed again and
    the odd ones wait."""

    def asked(request: RecordedRequest) -> str:
        return f"Answer to: {request.question}"

    with FakeOpenAIServer(flavour="groq", responder=asked) as groq:
        groq.push(*(groq.slow(1.5) for _ in range(200)))  # a model that takes 1.5 s
        extra = {
            "ONEBOX_GROQ_API_KEY": groq.api_key,
            "ONEBOX_GROQ_BASE_URL": groq.url,
            "ONEBOX_LEASE_SECONDS": "5",  # outlasts an answer routed twice
            "ONEBOX_BURST_QUIET_SECONDS": "3",
            "ONEBOX_TYPING_SIGNAL": "false",
        }

        def routed(text: str) -> bool:
            return any(r.question == text for r in list(groq.requests))

        first = start(db_url, tmp_path, 1, **extra)
        messages: dict[str, list[tuple[int, str]]] = {}
        try:
            publish_inbound(bus, make_inbound("Do you sell gift cards?", conversation_id="p"))
            poll(lambda: done(bus) == 1, timeout=30, what="the first process to be up")
            for chat in range(CHATS):
                question = f"Do you ship parcel {chat} to Porto?"
                then = f"and to Braga {chat}?" if chat % 2 == 0 else f"my order is {chat},"
                ids = [publish_inbound(bus, make_inbound(question, conversation_id=str(chat)))]
                poll(lambda q=question: routed(q), timeout=10, what="the question to be routed")
                ids.append(publish_inbound(bus, make_inbound(then, conversation_id=str(chat))))
                messages[str(chat)] = list(zip(ids, (question, then), strict=True))
            again = [f"{m[0][1]}\n{m[1][1]}" for c, m in messages.items() if int(c) % 2 == 0]
            poll(lambda: all(routed(q) for q in again) and deferred(db_url) >= CHATS // 2,
                 timeout=20, what="questions routed again, fragments waiting")  # fmt: skip
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert done(bus) == 1, "the kill must land while the answers are prepared"

        second = start(db_url, tmp_path, 2, **extra)
        try:
            total = 1 + 2 * CHATS
            poll(lambda: done(bus) == total, timeout=90, what="the restarted process to answer")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

    replies, turns, dead = settled(db_url)
    assert dead == 0
    for chat, pairs in messages.items():  # one reply to both messages, joined in order
        (head, question), (_, then) = pairs
        assert [d for d, k in replies if k == f"telegram:{chat}"] == [f"reply:{head}"]
        assert turns[f"telegram:{chat}"] == [f"{question}\n{then}"]
