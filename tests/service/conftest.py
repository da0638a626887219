"""Fixtures for the service kit's tests: a migrated SQLite template, runtimes, a fake clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus.testing import FakeClock
from onebox_service import ServiceRuntime, ServiceSettings, SystemdEnvironment, open_runtime


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    path = tmp_path / "onebox.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


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
