"""The supervisor behind ``onebox up``: child processes, health, restarts, graceful stop.

Each service runs as its own process through its console script, as under systemd. The
supervisor starts them, waits for each ``/health`` to answer 200, streams their output
through a `LogSink`, restarts a child that dies with an exponential backoff (PM2's
``exp_backoff_restart_delay``: x1.5 per restart up to 15 s, reset after 30 s of uptime), and
on stop sends SIGTERM to every child, waits for the grace period and SIGKILLs the rest.
Children live in their own process group (a terminal's Ctrl-C reaches only the supervisor,
which stops them in order) and get SIGTERM from the kernel if the supervisor itself dies.
The run state (pids, ports, restarts) is kept in a JSON file that ``onebox status`` and
``onebox chat`` read.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import orjson

from ._stack_logs import LogSink

CONFIG_ERROR_EXIT = 2
"""A service exits 2 on a bad setting: restarting it cannot help."""

_PR_SET_PDEATHSIG = 1


def restart_delay(
    restarts: int, *, base: float = 0.1, factor: float = 1.5, cap: float = 15.0
) -> float:
    """Seconds before restart number `restarts` (1 = the first): ``base * factor**(n-1)``."""
    if restarts <= 0:
        return 0.0
    return min(cap, base * factor ** (restarts - 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSpec:
    """One child: its name, command line, port (None: no HTTP server) and extra environment."""

    name: str
    argv: tuple[str, ...]
    port: int | None = None
    host: str = "127.0.0.1"
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str | None:
        """The service's base URL, when it serves HTTP."""
        return None if self.port is None else f"http://{self.host}:{self.port}"


@dataclass(slots=True)
class _Child:
    spec: ServiceSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_restarts: int = 0
    restart_at: float | None = None
    last_exit: int | None = None
    healthy: bool = False
    pump: threading.Thread | None = None


class StackError(RuntimeError):
    """The stack could not start (a child failed its health check or its configuration)."""


class Stack:
    """Starts, watches and stops the children.

    Args:
        specs: the children, in start order.
        env: the base environment of every child.
        sink: where their output goes.
        state_file: where the run state is written (None: nowhere).
        grace: seconds between SIGTERM and SIGKILL on stop.
        clock: monotonic time source.
    """

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        *,
        env: Mapping[str, str],
        sink: LogSink,
        state_file: Path | None = None,
        grace: float = 15.0,
        stable_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = [_Child(spec) for spec in specs]
        self.env = dict(env)
        self.sink = sink
        self.state_file = state_file
        self.grace = grace
        self.stable_after = stable_after
        self.clock = clock
        self.stopping = threading.Event()
        self.started_wall = time.time()
        self._libc = _load_libc()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start every child (from the thread that will run `supervise`)."""
        for child in self.children:
            self._spawn(child)
        self.write_state()

    def wait_healthy(self, timeout: float) -> None:
        """Wait until every HTTP child answers ``/health`` 200.

        Raises:
            StackError: a child exited with a configuration error, or `timeout` passed.
        """
        deadline = self.clock() + timeout
        with httpx.Client(timeout=2.0) as http:
            while True:
                pending = [c for c in self.children if c.spec.port is not None and not c.healthy]
                for child in pending:
                    self._check_exit(child, starting=True)
                    child.healthy = _healthy(http, child.spec)
                if all(c.healthy for c in self.children if c.spec.port is not None):
                    self.write_state()
                    return
                if self.stopping.is_set():
                    raise StackError("stopped before the services were healthy")
                if self.clock() > deadline:
                    names = ", ".join(c.spec.name for c in pending if not c.healthy)
                    raise StackError(
                        f"not healthy within {timeout:g}s: {names} (a busy or small machine "
                        "may need longer: --health-timeout SECONDS)"
                    )
                self._restart_due()
                time.sleep(0.1)

    def supervise(self, poll: float = 0.2) -> None:
        """Watch the children until `stopping` is set: report and restart the dead ones."""
        while not self.stopping.wait(poll):
            for child in self.children:
                self._check_exit(child, starting=False)
            self._restart_due()

    def stop(self) -> dict[str, int | None]:
        """SIGTERM every child, wait up to the grace period, SIGKILL the rest; exit codes."""
        self.stopping.set()
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        self.sink.event("up.stopping", services=[c.spec.name for c in running], grace_s=self.grace)
        for child in running:
            assert child.proc is not None
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.grace
        codes: dict[str, int | None] = {}
        for child in self.children:
            if child.proc is None:
                codes[child.spec.name] = child.last_exit
                continue
            try:
                code: int | None = child.proc.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                self.sink.event("up.killed", level="warning", name=child.spec.name)
                child.proc.kill()
                code = child.proc.wait()
            codes[child.spec.name] = code
            child.last_exit = code
            if child.pump is not None:
                child.pump.join(timeout=5)
        self.sink.event("up.stopped", exit_codes=codes)
        self.write_state(stopped=True)
        return codes

    # -- children --------------------------------------------------------------------------

    def _spawn(self, child: _Child) -> None:
        spec = child.spec
        env = {**self.env, **spec.env, "PYTHONUNBUFFERED": "1"}
        libc = self._libc

        def pre_exec() -> None:  # in the child, before exec: die with the supervisor
            if libc is not None:
                libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

        child.proc = subprocess.Popen(
            spec.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=pre_exec,
        )
        child.started_at = self.clock()
        child.healthy = False
        child.restart_at = None
        child.pump = threading.Thread(
            target=_pump, args=(child.proc.stdout, spec.name, self.sink), daemon=True
        )
        child.pump.start()
        self.sink.event("up.started", name=spec.name, pid=child.proc.pid, url=spec.url)

    def _check_exit(self, child: _Child, *, starting: bool) -> None:
        if child.proc is None or child.restart_at is not None:
            return
        code = child.proc.poll()
        if code is None:
            return
        child.last_exit = code
        child.healthy = False
        if self.stopping.is_set():
            return
        if code == CONFIG_ERROR_EXIT:
            self.sink.event("up.config_error", level="error", name=child.spec.name, exit_code=code)
            raise StackError(
                f"{child.spec.name} refused its configuration (exit {code}); see its log above"
            )
        if self.clock() - child.started_at >= self.stable_after:
            child.backoff_restarts = 0
        child.backoff_restarts += 1
        child.restarts += 1
        delay = restart_delay(child.backoff_restarts)
        child.restart_at = self.clock() + delay
        self.sink.event(
            "up.exited",
            level="warning",
            name=child.spec.name,
            exit_code=code,
            restart_in_s=round(delay, 2),
            restarts=child.restarts,
        )
        self.write_state()

    def _restart_due(self) -> None:
        now = self.clock()
        for child in self.children:
            if (
                child.restart_at is not None
                and now >= child.restart_at
                and not self.stopping.is_set()
            ):
                if child.pump is not None:
                    child.pump.join(timeout=1)
                self._spawn(child)
                self.write_state()

    # -- state -----------------------------------------------------------------------------

    def state(self, *, stopped: bool = False) -> dict[str, object]:
        """What ``onebox status`` and ``onebox chat`` read about this run."""
        return {
            "pid": os.getpid(),
            "started_at": self.started_wall,
            "stopped": stopped,
            "services": {
                c.spec.name: {
                    "pid": c.proc.pid if c.proc is not None else None,
                    "url": c.spec.url,
                    "restarts": c.restarts,
                    "last_exit": c.last_exit,
                }
                for c in self.children
            },
        }

    def write_state(self, *, stopped: bool = False) -> None:
        """Write the state file atomically (a reader never sees half of it)."""
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(self.state(stopped=stopped), option=orjson.OPT_INDENT_2))
        tmp.replace(self.state_file)


def read_state(path: Path) -> dict[str, object] | None:
    """The state file of a running (or stopped) ``onebox up``, or None."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _pump(stream: IO[bytes] | None, name: str, sink: LogSink) -> None:
    if stream is None:
        return
    with stream:
        for raw in iter(stream.readline, b""):
            sink.line(name, raw.decode("utf-8", "replace"))


def _healthy(http: httpx.Client, spec: ServiceSpec) -> bool:
    try:
        return http.get(f"{spec.url}/health").status_code == 200
    except httpx.HTTPError:
        return False


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    return libc if hasattr(libc, "prctl") else None


DEFAULT_URLS = {
    "telegram": "http://127.0.0.1:3001",
    "whatsapp": "http://127.0.0.1:3002",
    "orchestrator": "http://127.0.0.1:3003",
}


def service_urls(state_file: Path | None, overrides: Sequence[str] = ()) -> dict[str, str]:
    """Each service's URL: ``NAME=URL`` overrides, else a running ``onebox up``'s, else defaults.

    Raises:
        ValueError: an override is not ``NAME=URL`` for a known service.
    """
    urls = dict(DEFAULT_URLS)
    state = read_state(state_file) if state_file is not None else None
    services = state.get("services") if state is not None else None
    if isinstance(services, dict):
        for name, info in services.items():
            if name in urls and isinstance(info, dict) and isinstance(info.get("url"), str):
                urls[name] = info["url"]
    for item in overrides:
        name, _, url = item.partition("=")
        if name not in urls or not url.startswith(("http://", "https://")):
            raise ValueError(f"--url {item!r}: expected NAME=URL with NAME one of {sorted(urls)}")
        urls[name] = url.rstrip("/")
    return urls
