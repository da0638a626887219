"""Fixtures for the router's tests: the migrated database, loopback fake providers, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router.testing import FakeAnthropicServer, FakeOpenAIServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The migrated shared database (a SQLite file, and PostgreSQL when configured)."""
    db = Database(db_url)
    yield db
    db.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client that only ever talks to loopback (anything else is refused)."""

    async def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"test tried to reach {request.url.host!r}")

    async with httpx.AsyncClient(
        mounts={"all://127.0.0.1": httpx.AsyncHTTPTransport(retries=0)},
        transport=httpx.MockTransport(refuse),
    ) as client:
        yield client


@pytest.fixture
def groq() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(flavour="groq") as server:
        yield server


@pytest.fixture
def ollama() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(flavour="ollama") as server:
        yield server


@pytest.fixture
def anthropic() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer() as server:
        yield server
