"""Fixtures for the metrics tests: a migrated SQLite file per test, copied from a template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus import create_engine
from onebox_bus.testing import FakeClock, migrated_sqlite
from sqlalchemy.engine import Engine


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def metrics_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("metrics-template") / "template.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path, metrics_template: Path) -> str:
    return migrated_sqlite(tmp_path / "onebox.db", template=metrics_template)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_800_000_000.0)
