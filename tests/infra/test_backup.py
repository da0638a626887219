"""``onebox backup`` while a writer process publishes, rotation, a litestream round trip, and
pg_dump on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from onebox_bus import Bus

from onebox.cli import main as onebox

from .conftest import require_tool, stop_process, wait_until

WRITER = """
import sys, itertools
from onebox_bus import Bus
bus = Bus.from_url(sys.argv[1])
for i in itertools.count():
    bus.publish("inbound", {"n": i, "text": "x" * 200}, key=f"k{i % 7}")
"""


def count(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        n, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM bus_messages").fetchone()
    finally:
        conn.close()
    return int(n), int(top)


@pytest.fixture
def writer(db_path: Path):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite:///{db_path}"])
    try:
        assert wait_until(lambda: count(db_path)[0] > 200, timeout=30)
        yield proc
    finally:
        stop_process(proc, timeout=5)


def test_backup_while_a_writer_publishes(
    tmp_path: Path,
    db_path: Path,
    writer: subprocess.Popen[bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before, top_before = count(db_path)  # committed before the backup begins
    dest = tmp_path / "copy.db"
    assert onebox(["--database-url", f"sqlite:///{db_path}", "backup", str(dest)]) == 0
    assert writer.poll() is None, "the writer kept running through the backup"
    assert "integrity ok" in capsys.readouterr().out
    conn = sqlite3.connect(dest)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {
            r[0] for r in conn.execute("SELECT id FROM bus_messages WHERE id <= ?", (top_before,))
        }
    finally:
        conn.close()
    assert len(ids) == before == top_before
    assert count(db_path)[0] > before, "the writer went on publishing meanwhile"


def test_backup_folder_rotation_and_refusals(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{db_path}"
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
        (folder / f"onebox-{stamp}.db").write_bytes(b"old")
    (folder / "keep-me.txt").write_text("not a backup")
    assert onebox(["--database-url", url, "backup", str(folder), "--keep", "2"]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "keep-me.txt"
    assert names[1] == "onebox-20250103T000000Z.db"
    assert names[2].startswith("onebox-2")
    assert len(names) == 3
    assert "removed old backup onebox-20250101T000000Z.db" in capsys.readouterr().out

    existing = folder / names[2]
    assert onebox(["--database-url", url, "backup", str(existing)]) == 1
    assert "never overwrite" in capsys.readouterr().err
    assert existing.stat().st_size > 100  # untouched
    assert onebox(["--database-url", url, "backup", str(tmp_path / "f.db"), "--keep", "2"]) == 2


def test_litestream_replicates_and_restores_to_a_folder(
    tmp_path: Path, db_path: Path, writer: subprocess.Popen[bytes]
) -> None:
    litestream = require_tool("litestream")
    replica = f"file://{tmp_path / 'replica'}"
    stop_process(writer, timeout=5)  # replicate a quiet database: the copy must match exactly
    before = count(db_path)
    subprocess.run(
        [litestream, "replicate", "-once", "-force-snapshot", str(db_path), replica],
        check=True,
        capture_output=True,
        timeout=60,
    )
    out = tmp_path / "restored.db"
    subprocess.run(
        [litestream, "restore", "-o", str(out), replica],
        check=True,
        capture_output=True,
        timeout=60,
    )
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert count(out) == before
    assert shutil.which("litestream") == litestream


def test_postgres_backup_is_a_pg_dump_archive_holding_the_messages(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_restore = require_tool("pg_restore")
    require_tool("pg_dump")
    with Bus.from_url(postgres_url) as bus:
        for i in range(20):
            bus.publish("inbound", {"text": f"kept-{i}"}, key=f"k{i % 3}")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "onebox-20250101T000000Z.dump").write_bytes(b"old")
    assert onebox(["--database-url", postgres_url, "backup", f"{folder}/", "--keep", "1"]) == 0
    assert "archive readable by pg_restore" in capsys.readouterr().out
    [dump] = list(folder.iterdir())
    assert dump.name.startswith("onebox-2")
    assert dump.name.endswith(".dump")
    assert dump.name != "onebox-20250101T000000Z.dump"
    data = subprocess.run(
        [pg_restore, "--data-only", "--table=bus_messages", "--file=-", str(dump)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    # payloads are bytea: COPY writes them in hex
    assert all(f'kept-{i}"'.encode().hex().encode() in data for i in range(20))


def test_postgres_backup_without_pg_dump_names_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools here
    url = "postgresql+psycopg://onebox@127.0.0.1:5432/onebox"
    assert onebox(["--database-url", url, "backup", str(tmp_path / "x.dump")]) == 1
    err = capsys.readouterr().err
    assert "pg_dump" in err
    assert "postgresql-client" in err
    assert not (tmp_path / "x.dump").exists()
