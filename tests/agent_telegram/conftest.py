"""Fixtures of the Telegram agent's tests: a fake Bot API on loopback and migrated databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_agent_telegram.testing import FakeBotAPI
from onebox_bus.testing import migrated_sqlite


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path, db_template: Path) -> str:
    return migrated_sqlite(tmp_path / "onebox.db", template=db_template)
