"""Fixtures for the observability tests: a migrated SQLite template and per-test copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from onebox_bus.testing import migrated_sqlite


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def obs_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("obs-template") / "onebox.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def obs_db(tmp_path: Path, obs_template_db: Path) -> Path:
    path = tmp_path / "onebox.db"
    shutil.copyfile(obs_template_db, path)
    return path


@pytest.fixture
def obs_url(obs_db: Path) -> str:
    return f"sqlite:///{obs_db}"
