"""Hosts on one machine for the multi-host proof: network namespaces, a throwaway PostgreSQL.

`Hosts` makes one network namespace per "host", each joined by a veth pair to a bridge in the
root namespace, on a private /24 that exists only while the script runs (10.231.X.0/24, X
chosen free). No namespace has a default route: traffic goes only to the script's own
addresses. `Cluster` is a PostgreSQL cluster in a temporary folder, owned by the ``postgres``
user, listening only on the bridge's address. `Relay` forwards a port on the bridge's address
to a fake platform listening on 127.0.0.1 (the fakes bind loopback only). `spawn` starts a
service (on a host through ``ip netns exec``, which execs it: the pid is the service's own),
in its own session and set to get SIGTERM if the harness dies. Every name starts with
``obxmh<pid>`` so runs never clash, and everything is removed on exit; `sweep_stale` removes
what a run killed with SIGKILL left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PREFIX = "obxmh"
_PR_SET_PDEATHSIG = 1


def need_root() -> None:
    """Exit with the reason when this process cannot create namespaces or run initdb."""
    if os.geteuid() != 0:
        raise SystemExit(
            "multihost: needs root (it creates network namespaces and a throwaway PostgreSQL "
            "cluster): run `sudo uv run python bench/multihost.py`"
        )
    for tool in ("ip", "runuser"):
        if shutil.which(tool) is None:
            raise SystemExit(f"multihost: `{tool}` is not installed")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("multihost: no `postgres` user (install the PostgreSQL server)") from None
    pg_bin()


def pg_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise SystemExit("multihost: `initdb` not found (install the PostgreSQL server)")
    return versions[-1].parent


def run(*argv: str, user: str | None = None) -> str:
    """Run a command (as `user` when given); its stdout, or SystemExit with its stderr."""
    cmd = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise SystemExit(f"multihost: `{' '.join(argv)}` failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def _quiet(*argv: str) -> None:
    subprocess.run(argv, capture_output=True, timeout=30, check=False)


def _dead_run(name: str) -> bool:
    """Whether `name` (``obxmh<pid>...``) belongs to a run whose process is gone."""
    match = re.match(rf"{PREFIX}(\d+)", name)
    return match is not None and not Path(f"/proc/{match.group(1)}").exists()


def sweep_stale() -> list[str]:
    """Remove what runs killed with SIGKILL left (namespaces, links, clusters, folders)."""
    removed = []
    for name in run("ip", "netns", "list").split():
        if _dead_run(name):
            _quiet("ip", "netns", "del", name)
            removed.append(name)
    for line in run("ip", "-o", "link", "show").splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        if _dead_run(name):
            _quiet("ip", "link", "del", name)
            removed.append(name)
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        if _dead_run(folder.name):
            if (folder / "data" / "postmaster.pid").exists():
                _quiet("runuser", "-u", "postgres", "--", str(pg_bin() / "pg_ctl"), "-D",
                       str(folder / "data"), "-m", "immediate", "-w", "stop")  # fmt: skip
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    return removed


def free_subnet() -> str:
    """A 10.231.X.0/24 no address or route of this machine uses; returns ``10.231.X``."""
    used = run("ip", "-4", "-o", "addr", "show") + run("ip", "-4", "route", "show")
    for step in range(150):
        third = 100 + (os.getpid() + step) % 150
        if f"10.231.{third}." not in used:
            return f"10.231.{third}"
    raise SystemExit("multihost: no free 10.231.X.0/24 subnet")


class Hosts:
    """Network namespaces as hosts on a private /24; the root namespace is ``.1``.

    Use as a context manager: everything made is removed on exit, failure or Ctrl-C.
    """

    def __init__(self, names: list[str]) -> None:
        self.tag = f"{PREFIX}{os.getpid()}"
        self.net = free_subnet()
        self.gateway = f"{self.net}.1"
        self.addresses = {name: f"{self.net}.{11 + i}" for i, name in enumerate(names)}
        self.namespaces = {name: f"{self.tag}-{name}" for name in names}
        self._bridge = f"{self.tag}br"
        self._made: list[tuple[str, str]] = []

    def __enter__(self) -> Hosts:
        try:
            run("ip", "link", "add", self._bridge, "type", "bridge")
            self._made.append(("link", self._bridge))
            run("ip", "addr", "add", f"{self.gateway}/24", "dev", self._bridge)
            run("ip", "link", "set", self._bridge, "up")
            for i, (name, ns) in enumerate(self.namespaces.items()):
                outer, inner = f"{self.tag}h{i}", f"{self.tag}n{i}"
                run("ip", "netns", "add", ns)
                self._made.append(("netns", ns))
                run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
                self._made.append(("link", outer))
                run("ip", "link", "set", outer, "master", self._bridge)
                run("ip", "link", "set", outer, "up")
                run("ip", "link", "set", inner, "netns", ns)
                inside = ("ip", "netns", "exec", ns, "ip")
                run(*inside, "addr", "add", f"{self.addresses[name]}/24", "dev", inner)
                run(*inside, "link", "set", inner, "up")
                run(*inside, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove every namespace and link made (deleting a namespace frees its veth end)."""
        for kind, name in reversed(self._made):
            _quiet("ip", kind, "del", name)
        self._made.clear()

    def argv(self, host: str, argv: list[str]) -> list[str]:
        """`argv` run on `host` (``ip netns exec`` execs it: the pid is the command's own)."""
        return ["ip", "netns", "exec", self.namespaces[host], *argv]


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening only on `address`, trust auth
    for `subnet` (``10.231.X``). Stopped and deleted on exit."""

    def __init__(self, *, address: str, subnet: str) -> None:
        self.address = address
        self.subnet = subnet
        self.port = free_port(address)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-pg-"))
        self._started = False

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@{self.address}:{self.port}/{database}"

    def __enter__(self) -> Cluster:
        try:
            bin_ = pg_bin()
            shutil.chown(self.folder, "postgres")
            data = self.folder / "data"
            run(str(bin_ / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                "--no-sync", user="postgres")  # fmt: skip
            with (data / "pg_hba.conf").open("a") as hba:
                hba.write(f"host all all {self.subnet}.0/24 trust\n")
            options = (f"-p {self.port} -k {self.folder} -c listen_addresses={self.address} "
                       "-c max_connections=300")  # fmt: skip
            self._started = True
            run(str(bin_ / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w",
                "-t", "60", "start", "-o", options, user="postgres")  # fmt: skip
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, database: str) -> str:
        """Create `database`; its SQLAlchemy URL."""
        run("psql", "-h", self.address, "-p", str(self.port), "-U", "postgres", "-q",
            "-c", f"CREATE DATABASE {database}")  # fmt: skip
        return self.url(database)

    def close(self) -> None:
        if self._started:
            _quiet("runuser", "-u", "postgres", "--", str(pg_bin() / "pg_ctl"), "-D",
                   str(self.folder / "data"), "-m", "fast", "-w", "-t", "60", "stop")  # fmt: skip
            self._started = False
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(slots=True)
class Service:
    """One running service: where it listens, its process, its log."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def spawn(name: str, argv: list[str], env: dict[str, str], log: Path, url: str) -> Service:
    """Start a service in its own session (Ctrl-C reaches only the harness, which stops it)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return Service(name=name, url=url, proc=proc, log=log)


def wait_healthy(services: list[Service], *, within: float = 90.0) -> None:
    """Every service answers ``GET /health`` 200 (from this namespace), or SystemExit."""
    deadline = time.monotonic() + within
    with httpx.Client(timeout=2.0) as http:
        for service in services:
            while True:
                if service.proc.poll() is not None:
                    raise SystemExit(f"{service.name} exited:\n{tail(service.log)}")
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(f"{service.url}/health").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"{service.name} not healthy in {within:g}s:\n{tail(service.log)}"
                    )
                time.sleep(0.1)


def stop(services: list[Service], grace: float = 20.0) -> None:
    """SIGTERM every service still running, SIGKILL what outlives `grace`."""
    for service in services:
        if service.proc.poll() is None:
            service.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for service in services:
        try:
            service.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.proc.kill()
            service.proc.wait(timeout=10)


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the harness dies, even by SIGKILL."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Relay:
    """Forwards TCP ports on a non-loopback address to ports on 127.0.0.1.

    The fake platforms listen on loopback only; a relay on the bridge's address is how the
    agents in their namespaces reach them, as they would reach the platform over a network.
    Each relay is its own process (``python _netns.py relay ADDRESS PORT``), so it does not
    compete for the harness's interpreter lock with the customers and the fakes.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self._procs:
            proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def url(self, local_url: str) -> str:
        """`local_url` (``http://127.0.0.1:P/path``) as reached through a new relay."""
        port, _, path = local_url.removeprefix("http://127.0.0.1:").partition("/")
        proc = subprocess.Popen(
            [sys.executable, __file__, "relay", self.address, port],
            stdout=subprocess.PIPE, start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
        self._procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # its port, or b"" when it failed
        if not line.strip().isdigit():
            raise SystemExit(f"multihost: the relay to 127.0.0.1:{port} did not start")
        return f"http://{self.address}:{int(line)}" + (f"/{path}" if path else "")


async def _relay(address: str, target: int) -> None:
    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        for stream in (writer, up_writer):
            stream.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(forward, address, 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__" and sys.argv[1:2] == ["relay"]:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_relay(sys.argv[2], int(sys.argv[3])))
