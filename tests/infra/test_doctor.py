"""``onebox doctor`` on a good setup and on a broken one that names every broken thing."""

from __future__ import annotations

import http.server
import shutil
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from onebox.cli import main as onebox

from .conftest import UNITS, free_port

TIMERS_ACTIVE = '#!/bin/sh\nshift\nfor t in "$@"; do echo active; done\n'


class _Webhook(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(405 if self.path.startswith("/webhook/") else 404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


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


def setup(tmp_path: Path, port: int) -> dict[str, Path]:
    etc, units, textfile = tmp_path / "etc", tmp_path / "units", tmp_path / "textfile"
    creds = etc / "credentials" / "onebox-telegram"
    creds.mkdir(parents=True)
    (etc / "credentials").chmod(0o700)
    creds.chmod(0o700)
    secret = creds / "TELEGRAM_SECRET_TOKEN"
    secret.write_text("s3cr3t-token_ok\n")
    secret.chmod(0o600)
    bot_token = creds / "TELEGRAM_BOT_TOKEN"
    bot_token.write_text("123456:s3cr3t-bot-token\n")
    bot_token.chmod(0o600)
    (etc / "common.env").write_text("ONEBOX_LOG_LEVEL=info\n")
    (etc / "onebox-telegram.env").write_text(f"# telegram\nONEBOX_PORT={port}\n")
    shutil.copytree(UNITS, units)
    for other in ("onebox-whatsapp.service", "onebox-orchestrator.service"):
        (units / other).unlink()  # only Telegram is enabled on this machine
    textfile.mkdir(mode=0o755)
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(TIMERS_ACTIVE)
    systemctl.chmod(0o755)
    return {"etc": etc, "units": units, "textfile": textfile, "systemctl": systemctl}


def doctor(db: Path, where: dict[str, Path]) -> int:
    return onebox(
        [
            "--database-url",
            f"sqlite:///{db}",
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


def test_good_setup_passes(
    tmp_path: Path, db_path: Path, webhook_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    where = setup(tmp_path, webhook_port)
    code = doctor(db_path, where)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out
    for line in (
        "ok    WAL mode: journal_mode=wal",
        "ok    migrations: schema at the installed heads",
        "ok    settings onebox-telegram: valid (configured)",
        "ok    secrets permissions:",
        "ok    unit onebox-telegram: MemoryHigh=384M MemoryMax=512M CPUQuota=50% TasksMax=256",
        "ok    timers: 5 timers active",
        f"ok    webhook onebox-telegram: http://127.0.0.1:{webhook_port}/webhook/telegram "
        "answers 405",
        "ok    textfile folder:",
        "ok    clock:",
    ):
        assert line in out, line
    assert "s3cr3t" not in out


@pytest.mark.parametrize("how", ["no bot token", "ONEBOX_SANDBOX=1"])
def test_a_production_install_in_sandbox_fails(
    tmp_path: Path,
    db_path: Path,
    webhook_port: int,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    """Issue 20 finding 1: doctor reported "ok (sandbox)" for a production install."""
    where = setup(tmp_path, webhook_port)
    if how == "no bot token":
        (where["etc"] / "credentials/onebox-telegram/TELEGRAM_BOT_TOKEN").unlink()
    else:
        with (where["etc"] / "onebox-telegram.env").open("a") as env:
            env.write("ONEBOX_SANDBOX=1\n")
    code = doctor(db_path, where)
    out = capsys.readouterr().out
    assert code != 0
    assert "FAIL  settings onebox-telegram: sandbox mode on a production install" in out
    assert "ONEBOX_TELEGRAM_BOT_TOKEN" in out
    assert "s3cr3t" not in out


def test_broken_setup_names_each_broken_thing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = setup(tmp_path, free_port())  # nothing listens there
    db = tmp_path / "plain.db"
    sqlite3.connect(db).close()  # exists, never migrated, rollback journal
    (where["etc"] / "credentials/onebox-telegram/TELEGRAM_SECRET_TOKEN").chmod(0o644)
    env = where["etc"] / "onebox-telegram.env"
    env.write_text(
        env.read_text()
        + "ONEBOX_TELEGRAM_BOT_TOKEN=123:leaked\nONEBOX_TELEGRAM_MAX_CONNECTIONS=5000\n"
        + "ONEBOX_TELEGRAM_TOKN=typo\n"
    )
    unit = where["units"] / "onebox-telegram.service"
    unit.write_text(unit.read_text().replace("MemoryMax=", "MemoryLimit="))
    (where["units"] / "onebox-backup.timer").unlink()
    where["textfile"].chmod(0o700)
    where["systemctl"].write_text('#!/bin/sh\nshift\nfor t in "$@"; do echo inactive; done\n')

    code = doctor(db, where)
    out = capsys.readouterr().out
    assert code == 1
    for line in (
        "FAIL  WAL mode: journal_mode=delete",
        "FAIL  migrations:",
        "FAIL  secrets onebox-telegram: secret(s) in",
        "ONEBOX_TELEGRAM_BOT_TOKEN",
        "FAIL  settings onebox-telegram: invalid setting ONEBOX_TELEGRAM_MAX_CONNECTIONS",
        "warn  settings onebox-telegram: unknown variable(s) in onebox-telegram.env: "
        "ONEBOX_TELEGRAM_TOKN",
        "FAIL  secrets permissions: readable by others:",
        "TELEGRAM_SECRET_TOKEN",
        "FAIL  unit onebox-telegram: limits missing or wrong: MemoryMax, MemoryLimit=",
        "FAIL  unit onebox-backup.timer: not installed",
        "FAIL  timers: not active: onebox-recycle-telegram.timer",
        "FAIL  webhook onebox-telegram:",
        "FAIL  textfile folder:",
        "fix: chmod 755",
    ):
        assert line in out, line
    assert "123:leaked" not in out
    assert "s3cr3t" not in out
    assert sys.modules["onebox.commands.doctor"]  # registered through the CLI's discovery


def test_runtime_thresholds_show_the_same_warnings_as_the_alerts(
    tmp_path: Path, db_path: Path, webhook_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from onebox_bus import Database
    from onebox_metrics import Collector

    db = Database(f"sqlite:///{db_path}")
    try:
        collector = Collector(service="orchestrator", db=db)
        rss = collector.gauge(
            "onebox_process_resident_memory_bytes", "Resident memory of the process."
        )
        rss.set(5 * 1024**3)  # far past any sane mark for one service
        collector.flush()
    finally:
        db.close()
    code = doctor(db_path, setup(tmp_path, webhook_port))
    out = capsys.readouterr().out
    [line] = [ln for ln in out.splitlines() if "runtime rss_bytes:orchestrator" in ln]
    assert line.startswith("FAIL"), line
    assert code == 1
