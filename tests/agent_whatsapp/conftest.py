"""Fixtures of the WhatsApp agent's tests: a migrated SQLite file, a fake Graph API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_agent_whatsapp.testing import FakeGraphApi
from onebox_bus.testing import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api
