"""Real services on loopback: sd_notify through `uv run`, SIGTERM draining, the health check.

The orchestrator runs exactly as its unit runs it (``uv run --frozen --no-sync --package``),
with a notify socket bound here standing in for systemd; the health check runs as the timer
runs it, against a healthy Telegram agent and an orchestrator whose worker counts as wedged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from onebox_service.testing import NotifyListener

from .conftest import INFRA, REPO, free_port, stop_process, wait_until
from .test_units import read_unit

HEALTHCHECK = INFRA / "bin" / "onebox-healthcheck"


def service_env(db_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEBOX_", "NOTIFY_"))}
    env.pop("WATCHDOG_USEC", None)
    env.update(
        ONEBOX_DATABASE_URL=f"sqlite:///{db_path}",
        ONEBOX_PORT=str(port),
        ONEBOX_LOG_FORMAT="json",
        ONEBOX_SHUTDOWN_GRACE_SECONDS="2",
        **extra,
    )
    return env


def healthy(port: int) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0).status_code
    except httpx.HTTPError:
        return None


def test_notify_and_sigterm_pass_through_uv_run(tmp_path: Path, db_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    listener = NotifyListener(tmp_path / "notify.sock")
    port = free_port()
    env = service_env(db_path, port, NOTIFY_SOCKET=str(listener.path), WATCHDOG_USEC="600000")
    cmd = [uv, "run", "--frozen", "--no-sync", "--package", "onebox-orchestrator"]
    log = tmp_path / "orchestrator.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*cmd, "onebox-orchestrator"], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        assert listener.wait_for(lambda m: "READY=1" in m, timeout=60), listener.messages
        # uv is the main process (what systemd sees), python its child: hence NotifyAccess=all.
        assert Path(f"/proc/{proc.pid}/comm").read_text().strip() == "uv"
        assert healthy(port) == 200
        assert listener.wait_for(lambda m: m.count("WATCHDOG=1") >= 2, timeout=20)
        proc.terminate()  # SIGTERM to uv, as systemd sends it to the main process
        code = proc.wait(timeout=30)
        notes = listener.receive()
    finally:
        stop_process(proc)
        listener.close()
    out = log.read_text()
    # uvicorn re-raises SIGTERM after the drain; uv turns that into 143, which the unit lists.
    success = read_unit("onebox-orchestrator.service")["Service"]["SuccessExitStatus"][0]
    assert str(code) in success.split(), out
    assert "STOPPING=1" in notes
    events = [json.loads(line).get("event") for line in out.splitlines() if line.startswith("{")]
    assert "service.stopping" in events
    assert "service.stopped" in events


@pytest.fixture
def two_services(tmp_path: Path, db_path: Path) -> Iterator[tuple[int, int]]:
    """A healthy Telegram agent and an orchestrator whose worker never counts as alive."""
    good, bad = free_port(), free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "onebox_agent_telegram"],
            env=service_env(db_path, good),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "-c", "from onebox_orchestrator.main import main; main()"],
            env=service_env(db_path, bad, ONEBOX_WORKER_STALL_SECONDS="0.000001"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        assert wait_until(lambda: healthy(good) == 200, timeout=60)
        assert wait_until(lambda: healthy(bad) == 503, timeout=60)
        yield good, bad
    finally:
        for proc in procs:
            assert stop_process(proc) in (0, -15)  # -15: uvicorn re-raises SIGTERM when done


def run_healthcheck(tmp_path: Path, units: dict[str, int], **extra: str) -> tuple[int, list[str]]:
    restarts = tmp_path / "restarts.txt"
    restarts.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    env.update(
        ONEBOX_HEALTHCHECK_UNITS=",".join(
            f"{unit}=http://127.0.0.1:{port}/health" for unit, port in units.items()
        ),
        ONEBOX_HEALTHCHECK_RESTART_CMD=f"sh -c 'echo \"$0\" >> {restarts}'",
        ONEBOX_HEALTHCHECK_STATE_CMD="",
        ONEBOX_HEALTHCHECK_RETRY_SECONDS="0.2",
        ONEBOX_HEALTHCHECK_LOG=str(tmp_path / "log" / "healthcheck.log"),
        **extra,
    )
    done = subprocess.run(
        ["/usr/bin/python3", str(HEALTHCHECK)], env=env, capture_output=True, text=True
    )
    assert done.stderr == ""
    lines = restarts.read_text().split() if restarts.exists() else []
    return done.returncode, lines


def test_healthcheck_restarts_exactly_the_failing_unit(
    tmp_path: Path, two_services: tuple[int, int]
) -> None:
    good, bad = two_services
    units = {"onebox-telegram.service": good, "onebox-orchestrator.service": bad}
    code, restarted = run_healthcheck(tmp_path, units)
    assert code == 1
    assert restarted == ["onebox-orchestrator.service"]
    [line] = (tmp_path / "log" / "healthcheck.log").read_text().splitlines()
    record = json.loads(line)
    assert record["event"] == "healthcheck.restart"
    assert record["unit"] == "onebox-orchestrator.service"
    assert record["reason"].startswith("HTTP 503")
    assert "workers not alive" in record["reason"]
    assert record["restart_exit_code"] == 0

    code, restarted = run_healthcheck(tmp_path, {"onebox-telegram.service": good})
    assert (code, restarted) == (0, [])

    # A unit above its memory mark is recycled even though /health is fine (max_memory_restart).
    cgroups = tmp_path / "cgroup"
    for unit, used in {"onebox-telegram.service": 900, "onebox-whatsapp.service": 100}.items():
        (cgroups / unit).mkdir(parents=True)
        (cgroups / unit / "memory.current").write_text(f"{used}\n")
    code, restarted = run_healthcheck(
        tmp_path,
        {"onebox-telegram.service": good, "onebox-whatsapp.service": good},
        ONEBOX_HEALTHCHECK_MEMORY_MARK="500",
        ONEBOX_HEALTHCHECK_CGROUP_ROOT=str(cgroups),
    )
    assert (code, restarted) == (1, ["onebox-telegram.service"])


def test_healthcheck_counts_a_closed_port_as_failing(tmp_path: Path) -> None:
    code, restarted = run_healthcheck(tmp_path, {"onebox-whatsapp.service": free_port()})
    assert (code, restarted) == (1, ["onebox-whatsapp.service"])
    record = json.loads((tmp_path / "log" / "healthcheck.log").read_text())
    assert record["reason"].startswith("no answer")
