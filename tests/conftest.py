"""Shared fixtures: no ONEBOX_* variable leaks into a test; migrated SQLite files; anyio."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from onebox_bus.testing import migrated_sqlite
from onebox_router.testing import AudioToolsMissing, SpeechFiles, make_speech


@pytest.fixture(autouse=True)
def _clean_onebox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ONEBOX_") and name != "ONEBOX_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (every installed package's branch)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrated_sqlite(path)
    return path


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    """A fresh migrated SQLite file for this test (a copy of the template)."""
    return migrated_sqlite(tmp_path / "onebox.db", template=template_db)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechFiles:
    """A spoken sentence made now with espeak-ng, sox and ffmpeg (WAV, Ogg/Opus, MP3, M4A).

    Without the tools the tests that need real audio are skipped on a developer machine and
    fail under CI (``CI`` set), where ``.ci/run`` installs them.
    """
    try:
        return make_speech(tmp_path_factory.mktemp("speech"))
    except AudioToolsMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs real audio tools: {exc}")
        pytest.skip(f"real audio tools missing: {exc}")
