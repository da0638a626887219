"""Fixtures for the service kit's tests: runtimes on `db_url` (SQLite and PostgreSQL), a clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus.testing import FakeClock
from onebox_service import ServiceRuntime, ServiceSettings, SystemdEnvironment, open_runtime


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_runtime(db_url: str, **fields: object) -> ServiceRuntime:
    settings = ServiceSettings(database_url=db_url, **fields)  # type: ignore[arg-type]
    return open_runtime(settings, service="test", systemd=SystemdEnvironment())


@pytest.fixture
def runtime(db_url: str) -> Iterator[ServiceRuntime]:
    rt = make_runtime(db_url, admin_token="admin-secret", shutdown_grace_seconds=2.0)
    yield rt
    rt.close()
