"""The real stack as processes: ``onebox up`` in a temporary folder, on free loopback ports.

`UpStack` starts ``onebox up`` (which migrates, starts the three services and the metrics
exporter through their console scripts, and supervises them), writes its combined JSON log
to a file, and offers what the tests need: the services' URLs, the children's pids from
the state file, the log records, ``onebox chat``/``onebox status`` runs, a clean stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

BIN = Path(sys.executable).parent
SERVICES = ("telegram", "whatsapp", "orchestrator")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], object], *, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g}s: {what}")
        time.sleep(0.05)


class UpStack:
    """One ``onebox up`` process and its folder."""

    def __init__(self, folder: Path, *, env: dict[str, str], only: str | None = None) -> None:
        self.folder = folder
        self.ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.db_url = f"sqlite:///{folder / 'var' / 'onebox.db'}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")},
            "ONEBOX_METRICS_FLUSH_SECONDS": "0.5",
            **env,
        }
        self.log_path = folder / "up.log"
        self.state_path = folder / "var" / "onebox-up.json"
        self.only = only
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, health_timeout: float = 90.0) -> UpStack:
        argv = [str(BIN / "onebox"), "up", "--health-timeout", f"{health_timeout:g}",
                "--metrics-every", "1", "--grace", "20"]  # fmt: skip
        for name, port in self.ports.items():
            argv += ["--port", f"{name}={port}"]
        if self.only:
            argv += ["--only", self.only]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                argv, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self.ready, within=health_timeout + 15, what="onebox up ready")
        return self

    def ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"onebox up exited {self.proc.returncode}:\n{self.tail()}")
        return any(r.get("event") == "up.notice" and "onebox is up" in str(r.get("message"))
                   for r in self.records("onebox"))  # fmt: skip

    def records(self, service: str | None = None) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_bytes().splitlines():
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(record, dict) and (service is None or record.get("service") == service):
                out.append(record)
        return out

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def state(self) -> dict[str, Any]:
        return dict(orjson.loads(self.state_path.read_bytes()))

    def pid(self, service: str) -> int:
        return int(self.state()["services"][service]["pid"])

    def run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "onebox"), *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        """Run ``onebox ARGS`` in this process against this stack: (exit code, out, err)."""
        from onebox.cli import main

        capsys.readouterr()
        command, rest = args[0], list(args[1:])
        if command in ("chat", "status"):
            rest += ["--state-file", str(self.state_path), "--env-file", str(self.folder / ".env")]
        code = main(["--database-url", self.db_url, command, *rest])
        out = capsys.readouterr()
        return code, out.out, out.err

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc is not None else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture
def up_stack(tmp_path: Path) -> Iterator[Callable[..., UpStack]]:
    started: list[UpStack] = []

    def start(env: dict[str, str] | None = None, **options: Any) -> UpStack:
        stack = UpStack(tmp_path, env=env or {}, only=options.pop("only", None))
        started.append(stack)
        return stack.start(**options)

    yield start
    for stack in started:
        stack.stop()
