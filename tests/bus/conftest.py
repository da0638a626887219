"""Fixtures for the bus contract suite: one test body, run on SQLite and on PostgreSQL.

`db_url` (tests/conftest.py) is a fresh SQLite file per test, and the session's PostgreSQL
schema, emptied before each test, when ONEBOX_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Bus
from onebox_bus.testing import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(db_url: str, clock: FakeClock) -> Iterator[Bus]:
    with Bus.from_url(db_url, clock=clock, busy_timeout=2.0) as bus:
        yield bus
