"""Fixtures for the metrics tests: a migrated SQLite file per test, copied from a template."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import create_engine
from onebox_bus.testing import FakeClock
from sqlalchemy.engine import Engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_800_000_000.0)
