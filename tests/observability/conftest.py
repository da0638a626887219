"""Fixtures for the observability tests: a migrated SQLite template and per-test copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def obs_db(tmp_path: Path, template_db: Path) -> Path:
    path = tmp_path / "onebox.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def obs_url(obs_db: Path) -> str:
    return f"sqlite:///{obs_db}"
