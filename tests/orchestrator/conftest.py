"""Fixtures of the orchestrator's tests: a migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Bus


@pytest.fixture
def bus(db_url: str) -> Iterator[Bus]:
    with Bus.from_url(db_url) as bus:
        yield bus
