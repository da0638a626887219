"""SIGKILL the real agent process between receiving and sending: nothing lost, nothing twice
outside the one window no sender can close (Telegram accepted, our record not yet committed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from onebox_agent_telegram import testing as tg
from onebox_agent_telegram.testing import FakeBotAPI, free_port, wait_until
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, OutboundMessage, outbound_topic

pytestmark = pytest.mark.slow

SECRET = "crash-test-secret"
DELAY = 0.3
READ_LAG = 0.2
TOPIC = outbound_topic("telegram")


class AgentProcess:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "onebox_agent_telegram", "serve"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(self._healthy, within=30)
        except BaseException:
            self.kill()  # never leave a process behind when it did not come up
            raise

    def _healthy(self) -> bool:
        assert self.proc.poll() is None, "the agent exited during start"
        try:
            return httpx.get(self.url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self._log.close()


@pytest.fixture
def fake_slow() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(delay=DELAY) as fake:
        yield fake


def agent_env(db_url: str, fake: FakeBotAPI, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    env.update(
        ONEBOX_DATABASE_URL=db_url,
        ONEBOX_PORT=str(port),
        ONEBOX_TELEGRAM_BOT_TOKEN=fake.token,
        ONEBOX_TELEGRAM_SECRET_TOKEN=SECRET,
        ONEBOX_TELEGRAM_API_URL=fake.url,
        # Long enough that a claim waiting on a loaded machine for its chat's pace is not
        # taken again by another sender task; short enough to recover a killed one quickly.
        ONEBOX_TELEGRAM_SENDER_LEASE="5",
        ONEBOX_SHUTDOWN_GRACE_SECONDS="2",
        ONEBOX_LOG_LEVEL="warning",
    )
    return env


def post_updates(url: str, updates: list[dict[str, Any]]) -> None:
    with httpx.Client() as http:
        for update in updates:
            response = http.post(
                url + "/webhook/telegram",
                content=tg.update_bytes(update),
                headers={"x-telegram-bot-api-secret-token": SECRET},
            )
            assert response.status_code == 200


def test_sigkill_loses_nothing_and_resends_only_the_in_flight_window(
    db_url: str, fake_slow: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    env = agent_env(db_url, fake_slow, port)
    log = tmp_path / "agent.log"
    bus = Bus.from_url(db_url)
    texts = [f"answer {n}" for n in range(40)]
    for n, text in enumerate(texts):
        reply = OutboundMessage(
            channel="telegram",
            conversation_id=str(600 + n % 10),
            text=text,
            correlation_id=f"corr-{n}",
        )
        bus.publish(TOPIC, reply.to_payload(), key=reply.key, correlation_id=f"corr-{n}")
    updates = [tg.message_update(7000 + i, 500 + i % 6, f"question {i}") for i in range(30)]
    try:
        # 1. updates come in (each acked with 200) while replies go out; then SIGKILL,
        #    with sends in flight at Telegram (the fake answers after 0.3 s)
        first = AgentProcess(env, port, log)
        try:
            post_updates(first.url, updates)
            wait_until(lambda: len(fake_slow.calls("sendMessage")) >= 8, within=30)
            wait_until(lambda: len(fake_slow.arrivals) > len(fake_slow.requests), within=10)
        finally:
            first.kill()
        killed_at = time.monotonic()
        inbound = bus.stats()[INBOUND]
        assert inbound.ready == 30  # every acked update is stored

        # 2. a fresh process finishes the work, and Telegram redelivers the updates
        second = AgentProcess(env, port, log)
        try:
            wait_until(lambda: bus.stats()[TOPIC].done == 40, within=60)
            post_updates(second.url, updates)
        finally:
            second.stop()
        stats = bus.stats()
    finally:
        bus.close()

    assert stats[INBOUND].ready == 30  # redelivered updates were absorbed by the dedupe key
    assert stats[TOPIC].dead == 0
    sent = fake_slow.sent()
    counts = Counter(r.params["text"] for r in sent)
    assert set(counts) == set(texts)  # no reply lost
    assert all(n <= 2 for n in counts.values())
    twice = {text for text, n in counts.items() if n > 1}
    # A request the dead process had already written is read by the fake's handler thread a
    # moment after the kill (a few ms, more on a loaded machine); the new process needs far
    # longer than READ_LAG just to import, so nothing before the cut-off can be its own send.
    cutoff = killed_at + READ_LAG
    in_flight = [a for a in fake_slow.arrivals if killed_at - DELAY - 0.5 < a < cutoff]
    for text in twice:
        # the only duplicates: Telegram had the request when the process died, and accepted it
        first_send = min(r.at for r in sent if r.params["text"] == text)
        assert killed_at - DELAY - 0.5 < first_send < cutoff
    assert len(twice) <= len(in_flight)
