"""Shared fixtures: no ONEBOX_* variable leaks into a test; migrated databases; anyio.

`db_url` is the database of every store- and handler-level test. A test that asks for it
(directly or through another fixture) runs twice: on a fresh SQLite file, and on PostgreSQL
in a migrated schema emptied before the test (skipped, with the reason, when
ONEBOX_TEST_POSTGRES_URL is unset; CI sets it). Tests that start real processes (tests/e2e,
tests/infra) and tests marked ``sqlite_only("why")`` run on SQLite only.

The suite runs on pytest-xdist workers, a file per worker at a time (``-n auto --dist
loadfile`` in pyproject.toml): most tests wait on processes and servers, so a few workers
share two cores well. Each worker has its own PostgreSQL schemas (`worker_schema`), temp
folders and ports (bound to port 0); a run naming a single file stays in one process.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
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
# xdist workers for `-n auto`: the tests mostly wait (processes, servers, deadlines), so one
# more than the cores, and no more than four (each worker holds PostgreSQL connections).
MAX_WORKERS = 4
# The xdist worker running this process ("gw0", "gw1", ...); empty when not distributed.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(POSTGRES_VARIABLE):
        return f"database tests: SQLite and PostgreSQL (schema {PG_SCHEMA}, _gwN per worker)"
    return f"database tests: SQLite only ({POSTGRES_VARIABLE} unset: PostgreSQL half skipped)"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: cores + 1 (at most `MAX_WORKERS`); none for a run of a single file.

    A file runs on one worker anyway (``--dist loadfile``), so starting workers for it only
    adds their start-up. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still overrides, as in xdist.
    """
    forced = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if forced:
        return int(forced)
    files = {arg.split("::")[0] for arg in config.args}
    if len(files) == 1 and (config.invocation_params.dir / files.pop()).is_file():
        return 0
    return min(len(os.sched_getaffinity(0)) + 1, MAX_WORKERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers, files that start real processes go first (a stable sort).

    Workers take files in collection order; a long file handed out last would run alone at
    the end. Every worker sorts the same way, so the collections still agree.
    """
    if WORKER:
        items.sort(key=lambda item: 0 if _starts_processes(item) else 1)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what is alive once the tests are collected (modules, test items, plugins).

    `db_url` runs a full collection after every PostgreSQL test; frozen, the hundreds of
    thousands of long-lived objects are not walked each time, only what the tests made since
    (where a connection left open is). The services do the same at start-up (settle_heap).
    """
    gc.collect()
    gc.freeze()


def _starts_processes(item: pytest.Item) -> bool:
    folder = item.path.relative_to(item.config.rootpath).parts[1:2]
    return folder == ("e2e",) or item.get_closest_marker("slow") is not None


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


def _worker_schema(name: str) -> str:
    return f"{name}_{WORKER}" if WORKER else name


@pytest.fixture(scope="session")
def worker_schema() -> Callable[[str], str]:
    """`name` made this xdist worker's own: workers share the database, never a schema."""
    return _worker_schema


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresTestSchema]:
    """The session's migrated PostgreSQL schema (emptied by `db_url` before each test)."""
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_VARIABLE} to run it")
    schema = PostgresTestSchema(base, _worker_schema(PG_SCHEMA))
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
