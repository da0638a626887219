"""Fixtures of the WhatsApp agent's tests: a migrated SQLite file, a fake Graph API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_agent_whatsapp.testing import FakeGraphApi
from onebox_bus.testing import FakeClock, migrated_sqlite


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def whatsapp_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("whatsapp-template") / "template.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path, whatsapp_template_db: Path) -> str:
    return migrated_sqlite(tmp_path / "onebox.db", template=whatsapp_template_db)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api
