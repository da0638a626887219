"""A real orchestrator process, SIGKILLed mid-stream and restarted, loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND
from onebox_orchestrator.testing import make_inbound, publish_inbound

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only("real processes: tests/e2e holds them")]

TOTAL = 300
CHATS = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def start(
    db_url: str, tmp_path: Path, run: int, *, port: int | None = None, **extra: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    faq = tmp_path / "faq.md"
    faq.write_text("Q: What are your opening hours?\nA: Monday to Friday, 9:00 to 19:00.\n")
    env.update(
        ONEBOX_DATABASE_URL=db_url,
        ONEBOX_PORT=str(port or free_port()),
        ONEBOX_FAQ_FILE=str(faq),
        ONEBOX_DEADLINE_SECONDS="5",
        ONEBOX_LEASE_SECONDS="1",
        ONEBOX_MAX_CONCURRENCY="6",
        ONEBOX_METRICS_FLUSH_SECONDS="0.5",
        ONEBOX_BURST_MAX_SECONDS="4",  # under the 5 s window
    )
    env.update(extra)
    with (tmp_path / f"orchestrator-{run}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "onebox_orchestrator"], env=env, stdout=log, stderr=log
        )


def done(bus: Bus) -> int:
    stats = bus.stats().get(INBOUND)
    return stats.done if stats else 0


def test_sigkill_mid_stream_loses_nothing_and_duplicates_no_reply(
    db_url: str, bus: Bus, tmp_path: Path
) -> None:
    order: dict[str, list[int]] = {}
    for i in range(TOTAL):
        chat = str(i % CHATS)
        inbound_id = publish_inbound(bus, make_inbound(f"question {i}", conversation_id=chat))
        order.setdefault(f"telegram:{chat}", []).append(inbound_id)

    first = start(db_url, tmp_path, 1, ONEBOX_BURST_POLICY="off")  # one reply per message
    try:
        poll(lambda: done(bus) >= 20, timeout=30, what="the first process to answer")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = done(bus)
    assert 0 < killed_at < TOTAL, "the kill must land mid-stream"

    second = start(db_url, tmp_path, 2, ONEBOX_BURST_POLICY="off")
    try:
        poll(lambda: done(bus) == TOTAL, timeout=60, what="the restarted process to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    # uvicorn re-raises the SIGTERM it handled once the drain is over
    assert second.returncode in (0, -signal.SIGTERM)
    assert b'"service.stopped"' in (tmp_path / "orchestrator-2.log").read_bytes()

    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        states = dict(
            conn.execute(
                "SELECT state, COUNT(*) FROM bus_messages WHERE topic = ? GROUP BY state",
                (INBOUND,),
            ).fetchall()
        )
        rows = conn.execute(
            "SELECT dedupe_key, key, payload FROM bus_messages "
            "WHERE topic = 'outbound.telegram' ORDER BY id"
        ).fetchall()
        turns = conn.execute(
            "SELECT role, COUNT(*), COUNT(DISTINCT inbound_id) FROM orchestrator_turns "
            "GROUP BY role"
        ).fetchall()
    finally:
        conn.close()

    assert states == {"done": TOTAL}
    # exactly one reply per inbound message
    reply_for = [int(dedupe.removeprefix("reply:")) for dedupe, _, _ in rows]
    assert sorted(reply_for) == sorted(i for ids in order.values() for i in ids)
    # in per-conversation order
    for key, ids in order.items():
        assert [int(d.removeprefix("reply:")) for d, k, _ in rows if k == key] == ids
    correlations = {orjson.loads(p)["correlation_id"] for _, _, p in rows}
    assert len(correlations) == TOTAL
    assert sorted(turns) == [("assistant", TOTAL, TOTAL), ("user", TOTAL, TOTAL)]


def test_sigkill_mid_handoff_loses_no_relay_and_sends_none_twice(
    db_url: str, bus: Bus, tmp_path: Path
) -> None:
    """Each chat asks for a person, then writes on: one handoff, one post, one relay each."""
    operator_chat = "4242"
    order: dict[str, list[int]] = {}
    for i in range(TOTAL):
        chat = str(i % CHATS)
        text = "Can I talk to a human please?" if i < CHATS else f"more details {i}"
        inbound_id = publish_inbound(bus, make_inbound(text, conversation_id=chat))
        order.setdefault(chat, []).append(inbound_id)

    # one relay per message: the backlog is not a burst to fold here
    extra = {"ONEBOX_OPERATOR_CHAT_ID": operator_chat, "ONEBOX_BURST_POLICY": "off"}
    first = start(db_url, tmp_path, 1, **extra)
    try:
        poll(lambda: done(bus) >= 40, timeout=30, what="the first process to hand over")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert 0 < done(bus) < TOTAL, "the kill must land mid-stream"

    second = start(db_url, tmp_path, 2, **extra)
    try:
        poll(lambda: done(bus) == TOTAL, timeout=60, what="the restarted process to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        rows = conn.execute(
            "SELECT dedupe_key, key, payload FROM bus_messages "
            "WHERE topic = 'outbound.telegram' ORDER BY id"
        ).fetchall()
        handoffs = conn.execute(
            "SELECT conversation_key, state FROM orchestrator_handoffs ORDER BY id"
        ).fetchall()
    finally:
        conn.close()

    firsts = {ids[0] for ids in order.values()}
    to_customers = [d for d, k, _ in rows if k != f"telegram:{operator_chat}"]
    assert sorted(to_customers) == sorted(f"reply:{i}" for i in firsts)
    posts = [d for d, k, _ in rows if d.startswith("handoff-post:")]
    assert sorted(posts) == sorted(f"handoff-post:{i}" for i in firsts)
    relays = [int(d.removeprefix("handoff-relay:")) for d, _, _ in rows if "relay" in d]
    later = sorted(i for ids in order.values() for i in ids[1:])
    assert sorted(relays) == later  # every later message relayed exactly once
    for ids in order.values():  # and each conversation's relays in its order
        assert [i for i in relays if i in set(ids)] == ids[1:]
    assert sorted(handoffs) == sorted((f"telegram:{c}", "open") for c in order)
