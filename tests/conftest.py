"""Shared fixtures: no ONEBOX_* variable leaks into a test; migrated databases; anyio.

`db_url` is the database of every store- and handler-level test. A test that asks for it
(directly or through another fixture) runs twice: on a fresh SQLite file, and on PostgreSQL
in a migrated schema emptied before the test (skipped, with the reason, when
ONEBOX_TEST_POSTGRES_URL is unset; CI sets it). Tests that start real processes (tests/e2e,
tests/infra) and tests marked ``sqlite_only("why")`` run on SQLite only.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus.testing import PostgresTestSchema, migrated_sqlite
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


POSTGRES_VARIABLE = "ONEBOX_TEST_POSTGRES_URL"
PG_SCHEMA = "onebox_test"
# Folders whose tests start real processes: doubling them would double the suite's time for
# little; the PostgreSQL processes are proven by tests/e2e/test_multihost.py and the bus suite.
SQLITE_ONLY_FOLDERS = frozenset({"e2e", "infra"})


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(POSTGRES_VARIABLE):
        return f"database tests: SQLite and PostgreSQL (schema {PG_SCHEMA})"
    return f"database tests: SQLite only ({POSTGRES_VARIABLE} unset: PostgreSQL half skipped)"


def _on_postgres(definition: pytest.Item) -> bool:
    folder = definition.path.relative_to(definition.config.rootpath).parts[1:2]
    if folder and folder[0] in SQLITE_ONLY_FOLDERS:
        return False
    return definition.get_closest_marker("sqlite_only") is None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_kind" in metafunc.fixturenames and _on_postgres(metafunc.definition):
        kinds = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
        metafunc.parametrize("database_kind", kinds, indirect=True)


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: the database `db_url` points at for this test."""
    kind: str = getattr(request, "param", "sqlite")
    return kind


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresTestSchema]:
    """The session's migrated PostgreSQL schema (emptied by `db_url` before each test)."""
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_VARIABLE} to run it")
    schema = PostgresTestSchema(base, PG_SCHEMA)
    yield schema
    schema.close()


@pytest.fixture
def postgres_url(postgres_schema: PostgresTestSchema) -> str:
    """The emptied PostgreSQL schema only (for a test about PostgreSQL itself)."""
    return postgres_schema.reset()


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path, template_db: Path
) -> Iterator[str]:
    """A fresh migrated database for this test: a SQLite file, or the emptied PG schema."""
    if database_kind == "sqlite":
        yield migrated_sqlite(tmp_path / "onebox.db", template=template_db)
        return
    schema: PostgresTestSchema = request.getfixturevalue("postgres_schema")
    yield schema.reset()
    # A PostgreSQL connection left open warns when collected: collect now, so the warning
    # (an error in this suite) names the test that left it, not a later one.
    gc.collect()


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
