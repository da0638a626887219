"""Fixtures of the orchestrator's tests: a migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.testing import migrated_sqlite


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orchestrator-template") / "template.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    return migrated_sqlite(tmp_path / "onebox.db", template=template_db)


@pytest.fixture
def bus(db_url: str) -> Iterator[Bus]:
    with Bus.from_url(db_url) as bus:
        yield bus
