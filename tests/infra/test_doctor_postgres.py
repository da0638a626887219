"""``onebox doctor`` on PostgreSQL: the server's checks in place of the SQLite file checks."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from onebox_bus import Database
from onebox_bus.testing import migrated_postgres
from sqlalchemy import text

from onebox.cli import main as onebox

from .conftest import free_port
from .test_doctor import _Webhook, setup


@pytest.fixture
def webhook_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def doctor(url: str, where: dict[str, Path]) -> int:
    return onebox(
        [
            "--database-url",
            url,
            "doctor",
            "--etc-dir",
            str(where["etc"]),
            "--unit-dir",
            str(where["units"]),
            "--textfile-dir",
            str(where["textfile"]),
            "--systemctl",
            str(where["systemctl"]),
        ]
    )


def _base() -> str:
    base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set ONEBOX_TEST_POSTGRES_URL to run doctor against PostgreSQL")
    return base


@pytest.mark.postgres
def test_a_migrated_postgres_database_passes(
    tmp_path: Path,
    webhook_port: int,
    capsys: pytest.CaptureFixture[str],
    worker_schema: Callable[[str], str],
) -> None:
    url = migrated_postgres(_base(), worker_schema("onebox_doctor_test"))
    code = doctor(url, setup(tmp_path, webhook_port))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out
    for line in ("ok    database: PostgreSQL ", "ok    migrations: schema at the installed heads"):
        assert line in out, line
    assert "WAL mode" not in out  # the SQLite file checks are not run
    assert "disk space" not in out


@pytest.mark.postgres
def test_an_unmigrated_postgres_schema_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], worker_schema: Callable[[str], str]
) -> None:
    url = migrated_postgres(_base(), worker_schema("onebox_doctor_empty"))
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    db.close()
    code = doctor(url, setup(tmp_path, free_port()))
    out = capsys.readouterr().out
    assert code == 1
    assert "ok    database: PostgreSQL " in out
    assert "FAIL  migrations:" in out


def test_an_unreachable_server_fails_without_showing_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+psycopg://onebox:hunter2-secret@127.0.0.1:{free_port()}/onebox"
    code = doctor(url, setup(tmp_path, free_port()))
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  database: cannot reach PostgreSQL at postgresql+psycopg://onebox:***@" in out
    assert "hunter2" not in out
