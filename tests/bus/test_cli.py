"""The ``onebox-bus`` command, run as a real process on a real database file."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def _run(url: str, *args: str) -> Result:
        code = main(["--database-url", url, *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


def test_migrate_stats_and_dead_letter_commands(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'var' / 'onebox.db'}"
    assert run(url, "migrate").returncode == 0
    with Bus.from_url(url) as bus:
        bus.publish("inbound", {"a": 1})
        for i in range(2):
            bus.publish("outbound.telegram", {"i": i}, max_attempts=1)
        for m in bus.claim("outbound.telegram", limit=2):
            bus.dead_letter(m, "403 bot was blocked by the user")

    table = run(url, "stats")
    assert table.returncode == 0
    assert "outbound.telegram" in table.stdout
    assert "inbound" in table.stdout
    stats = json.loads(run(url, "stats", "--json").stdout)
    assert stats["topics"]["outbound.telegram"]["dead"] == 2
    assert stats["topics"]["inbound"]["ready"] == 1

    listed = run(url, "dead", "list")
    assert "bot was blocked" in listed.stdout
    dead = json.loads(run(url, "dead", "list", "--json").stdout)
    assert len(dead) == 2

    assert "replayed 1" in run(url, "dead", "replay", str(dead[0]["id"])).stdout
    assert "purged 1" in run(url, "dead", "purge", "--all").stdout
    refused = run(url, "dead", "purge")
    assert refused.returncode == 1
    assert "--all" in refused.stderr
    assert "purged 0 done" in run(url, "purge-done").stdout


def test_bad_database_url_is_one_clear_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("mysql://nobody@localhost/x", "stats")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "unsupported database 'mysql'" in result.stderr


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onebox.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "onebox_bus.cli", "--database-url", url, "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "database at head" in done.stdout
