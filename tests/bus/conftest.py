"""Fixtures for the bus contract suite: one test body, run on SQLite and on PostgreSQL.

SQLite: each test gets a real file in tmp_path, copied from a template migrated once.
PostgreSQL: when ONEBOX_TEST_POSTGRES_URL is set, the suite runs in a schema of its own
(``onebox_bus_test``), created fresh per session and emptied between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus import Bus, Database
from onebox_bus.testing import FakeClock, migrated_postgres, migrated_sqlite
from sqlalchemy import text

PG_SCHEMA = "onebox_bus_test"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL half skipped: set ONEBOX_TEST_POSTGRES_URL to run it")
    return migrated_postgres(base, PG_SCHEMA)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> str:
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    url: str = request.getfixturevalue("postgres_url")
    with Database(url) as db, db.transaction() as conn:
        conn.execute(text("TRUNCATE bus_messages RESTART IDENTITY"))
    return url


@pytest.fixture
def bus(db_url: str, clock: FakeClock) -> Iterator[Bus]:
    with Bus.from_url(db_url, clock=clock, busy_timeout=2.0) as bus:
        yield bus
