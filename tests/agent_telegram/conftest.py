"""Fixtures of the Telegram agent's tests: a fake Bot API on loopback and migrated databases."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from onebox_agent_telegram.app import create_app
from onebox_agent_telegram.chats import ChatStore
from onebox_agent_telegram.settings import TelegramSettings
from onebox_agent_telegram.testing import FakeBotAPI, RecordedRequest, fetch_requests, serving
from onebox_bus.contracts import INBOUND
from onebox_service import Pacer, ServiceRuntime, SystemdEnvironment, open_runtime
from sqlalchemy import text

SECRET = "s3cret-Token_1"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One plain-HTTP client per test (building an SSL context per request is slow)."""
    async with httpx.AsyncClient(verify=False) as client:
        yield client


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@dataclass
class RemoteFake:
    """A `FakeBotAPI` running in its own process (its threads do not slow the agent's loop)."""

    url: str
    token: str

    def sent(self, chat_id: int | str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in fetch_requests(self.url)
            if r.method == "sendMessage"
            and r.status == 200
            and (chat_id is None or str(r.params.get("chat_id")) == str(chat_id))
        ]


@pytest.fixture
def remote_fake() -> Iterator[RemoteFake]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "onebox_agent_telegram.testing"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url, token = proc.stdout.readline().split()
        yield RemoteFake(url=url, token=token)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@dataclass
class Agent:
    """A running agent: its base URL, runtime (bus, stores) and settings."""

    url: str
    runtime: ServiceRuntime
    settings: TelegramSettings
    chats: ChatStore

    def inbound(self, topic: str = INBOUND) -> list[Any]:
        """Every stored message of `topic` (rows: id, topic, key, dedupe_key, ...), oldest first."""
        query = text(
            "SELECT id, topic, key, dedupe_key, correlation_id, payload FROM bus_messages"
            " WHERE topic = :topic ORDER BY id"
        )
        with self.runtime.db.engine.connect() as conn:
            return list(conn.execute(query, {"topic": topic}))


@contextlib.asynccontextmanager
async def run_agent(
    db_url: str,
    fake: Any = None,
    *,
    secret: str | None = SECRET,
    busy_timeout: float = 5.0,
    pacer: Pacer | None = None,
    sleep: Any = None,
    **fields: Any,
) -> AsyncIterator[Agent]:
    """Serve the real agent app on loopback against `fake` (sandbox mode when None)."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "telegram_secret_token": secret,
        "shutdown_grace_seconds": 1.0,
        "metrics_flush_seconds": 60.0,
        "log_format": "console",
    }
    if fake is not None:
        values.update(telegram_bot_token=fake.token, telegram_api_url=fake.url)
    values.update(fields, busy_timeout_seconds=busy_timeout)
    settings = TelegramSettings(**values)
    runtime = open_runtime(
        settings, service="telegram", verify_schema=False, systemd=SystemdEnvironment()
    )
    db = runtime.db
    options: dict[str, Any] = {"pacer": pacer}
    if sleep is not None:
        options["sleep"] = sleep
    async with httpx.AsyncClient(verify=False) as http:
        app = create_app(settings, http=http, runtime=runtime, **options)
        async with serving(app) as url:
            yield Agent(url=url, runtime=runtime, settings=settings, chats=ChatStore(db))


@pytest.fixture
def start_agent(db_url: str) -> Any:
    """``async with start_agent(fake, **settings) as agent``: the real app on loopback."""

    def start(fake: FakeBotAPI | None = None, **options: Any) -> Any:
        return run_agent(db_url, fake, **options)

    return start
