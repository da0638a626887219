"""Fixtures for the metrics tests: a migrated SQLite file per test, copied from a template."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_800_000_000.0)
