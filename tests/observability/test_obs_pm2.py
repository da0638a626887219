"""PM2 runs the stack from ``infra/pm2/ecosystem.config.js`` and restarts a killed service.

Installs PM2 from the npm registry into a temporary folder (about half a minute), so the test
is marked slow. The PM2 daemon gets its own PM2_HOME and is killed at the end; the test checks
that no process it started is left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from onebox_agent_telegram.testing import free_port
from onebox_bus.testing import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
ECOSYSTEM = ROOT / "infra" / "pm2" / "ecosystem.config.js"
APPS = ("onebox-orchestrator", "onebox-telegram")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("npm") is None or shutil.which("uv") is None, reason="needs npm and uv"
    ),
]


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        out += [int(p) for p in text.split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _wait(predicate: object, *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {within:g}s")
        time.sleep(0.2)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_pm2_restarts_a_killed_service_healthy(tmp_path: Path) -> None:
    npm = subprocess.run(
        ["npm", "install", "--prefix", str(tmp_path / "node"), "--no-audit", "--no-fund",
         "--loglevel=error", "pm2@5"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert npm.returncode == 0, npm.stderr[-2000:]
    pm2 = str(tmp_path / "node" / "node_modules" / ".bin" / "pm2")
    ports = {"onebox-orchestrator": free_port(), "onebox-telegram": free_port()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONEBOX_", "PM2_"))},
        "PM2_HOME": str(tmp_path / "pm2home"),
        "ONEBOX_HOME": str(ROOT),
        "ONEBOX_PM2_UV": shutil.which("uv") or "uv",
        "ONEBOX_PM2_RECYCLE": "off",
        "ONEBOX_PM2_ORCHESTRATOR_PORT": str(ports["onebox-orchestrator"]),
        "ONEBOX_PM2_TELEGRAM_PORT": str(ports["onebox-telegram"]),
        "ONEBOX_DATABASE_URL": migrated_sqlite(tmp_path / "var" / "onebox.db"),
        "ONEBOX_HOST": "127.0.0.1",
        "ONEBOX_TELEGRAM_SECRET_TOKEN": "pm2-test-secret",
    }
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}

    def run(*args: str) -> str:
        done = subprocess.run(
            [pm2, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    def processes() -> dict[str, dict[str, object]]:
        return {p["name"]: p for p in json.loads(run("jlist"))}

    started: set[int] = set()
    try:
        run("start", str(ECOSYSTEM), "--only", ",".join(APPS))
        for name in APPS:
            _wait(lambda n=name: _healthy(urls[n]), within=60, what=f"{name} healthy")
        before = processes()["onebox-telegram"]
        uv_pid = int(before["pid"])  # type: ignore[arg-type]
        started |= {int(p["pid"]) for p in processes().values()}  # type: ignore[arg-type]
        service = _children(uv_pid)
        assert service, "uv run has a child: the service itself"
        started |= set(service)
        os.kill(service[0], signal.SIGKILL)  # the service dies as if the OOM killer took it

        def restarted() -> bool:
            info = processes()["onebox-telegram"]
            env_info = info["pm2_env"]
            assert isinstance(env_info, dict)
            return int(env_info["restart_time"]) >= 1 and int(info["pid"]) != uv_pid  # type: ignore[arg-type]

        _wait(restarted, within=60, what="PM2 restart")
        _wait(lambda: _healthy(urls["onebox-telegram"]), within=60, what="healthy again")
        after = processes()
        started |= {int(p["pid"]) for p in after.values()}  # type: ignore[arg-type]
        for p in after.values():
            started |= set(_children(int(p["pid"])))  # type: ignore[arg-type]
        assert _healthy(urls["onebox-orchestrator"])  # the other service was left alone
        orchestrator_env = after["onebox-orchestrator"]["pm2_env"]
        assert isinstance(orchestrator_env, dict)
        assert int(orchestrator_env["restart_time"]) == 0
    finally:
        pid_file = tmp_path / "pm2home" / "pm2.pid"
        if pid_file.exists():
            started.add(int(pid_file.read_text().strip()))
        subprocess.run([pm2, "kill"], env=env, capture_output=True, timeout=60, check=False)
    _wait(lambda: not any(_alive(pid) for pid in started), within=30, what="everything stopped")
    for url in urls.values():
        assert not _healthy(url)
