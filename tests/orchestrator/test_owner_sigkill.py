"""The owner's thread of a conversation is whole and in order across a SIGKILL and a restart.

A real orchestrator process answers a stream of messages of a few conversations, is SIGKILLed
mid-stream and started again; the restarted process's ``/api/conversations/{id}`` (bearer
token) then lists every customer message once, in the order the customer wrote them, each
turn followed by its one reply and how it was made (messages that queued up while the
process was down may be answered together, as one turn).
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from onebox_bus import Bus
from onebox_orchestrator.testing import make_inbound, publish_inbound

from .test_sigkill import done, free_port, poll, start

pytestmark = pytest.mark.slow

TOTAL = 120
CHATS = 3
TOKEN = "sigkill-owner-token"


def test_threads_are_whole_and_in_order_after_a_sigkill(
    db_url: str, bus: Bus, tmp_path: Path
) -> None:
    asked: dict[str, list[str]] = {}
    for i in range(TOTAL):
        chat = str(i % CHATS)
        text = "What are your opening hours?" if i % 10 == 0 else f"question {i}"
        publish_inbound(bus, make_inbound(text, conversation_id=chat))
        asked.setdefault(f"telegram:{chat}", []).append(text)

    first = start(db_url, tmp_path, 1, ONEBOX_ADMIN_TOKEN=TOKEN)
    try:
        poll(lambda: done(bus) >= 15, timeout=30, what="the first process to answer")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert 0 < done(bus) < TOTAL, "the kill must land mid-stream"

    port = free_port()
    second = start(db_url, tmp_path, 2, ONEBOX_ADMIN_TOKEN=TOKEN, port=port)
    try:
        poll(lambda: done(bus) == TOTAL, timeout=60, what="the restarted process to finish")
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        poll(lambda: _up(url), timeout=30, what="the restarted process to serve")
        with httpx.Client(base_url=url, headers=auth, timeout=10) as http:
            listed = http.get("/api/conversations").json()["conversations"]
            assert sorted(c["id"] for c in listed) == sorted(asked)
            for key, texts in asked.items():
                thread = http.get(f"/api/conversations/{key}").json()
                messages = thread["messages"]
                # queued messages of one chat may be answered together (one turn, joined)
                said = "\n".join(m["text"] for m in messages if m["role"] == "user")
                assert said.split("\n") == texts
                assert [m["role"] for m in messages] == ["user", "assistant"] * (len(messages) // 2)
                origins = {m["origin"] for m in messages if m["role"] == "assistant"}
                assert origins <= {"faq", "fallback"}, origins
                times = [m["at"] for m in messages]
                assert times == sorted(times)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
