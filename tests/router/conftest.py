"""Fixtures for the router's tests: real SQLite files, loopback fake providers, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router._schema import metadata
from onebox_router.testing import FakeAnthropicServer, FakeOpenAIServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A real SQLite file holding the router's tables."""
    db = Database(f"sqlite:///{tmp_path / 'router.db'}")
    metadata.create_all(db.engine)
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
