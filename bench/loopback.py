"""Lean HTTP/1.1 on loopback for the benchmarks: a keep-alive client and a fake-platform server.

The harness shares the machine with the stack it measures, so it must cost little: the
client sends prepared request bytes and reads the answer by Content-Length; the server
parses a request, hands it to a fake's transport-neutral ``handle`` (the same protocol code
the tests' threaded fakes run) and writes the answer. Both run on one asyncio loop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import cast

from onebox_bus import Synchronous

#: (method, path, lower-cased headers, body) -> (status, headers, body)
Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: ONEBOX_ settings a bench passes through to the servers it starts (bench/durability.py
#: runs the same bench with ``synchronous`` FULL and NORMAL in turn).
PASSED_THROUGH = ("ONEBOX_DATABASE_SYNCHRONOUS",)


def bench_synchronous() -> Synchronous:
    """The ``synchronous`` level for the databases a bench opens in its own process: the
    services' setting (``ONEBOX_DATABASE_SYNCHRONOUS``) when set, else their default (FULL).

    The raw baselines use the same level, so a ratio never compares an fsync per commit with
    none (bench/ab.py passes the setting to both trees; an older tree ignores it).
    """
    value = os.environ.get("ONEBOX_DATABASE_SYNCHRONOUS", "FULL").upper()
    if value not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise SystemExit(f"ONEBOX_DATABASE_SYNCHRONOUS={value!r}: use NORMAL, FULL or EXTRA")
    return cast("Synchronous", value)


def bench_doorbell() -> bool:
    """Whether the buses a bench opens in its own process ring the doorbell: the services'
    setting (``ONEBOX_BUS_DOORBELL``, on unless ``0``). Off measures the database layer alone,
    for an A/B against a tree older than the doorbell (which ignores the setting)."""
    return os.environ.get("ONEBOX_BUS_DOORBELL", "1") != "0"


def bench_env(**settings: str) -> dict[str, str]:
    """This process's environment without any ONEBOX_ setting (but `PASSED_THROUGH`), plus
    `settings`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_") or k in PASSED_THROUGH
    }
    env.update(settings)
    return env


def spawn_server(
    name: str, cmd: list[str], env: dict[str, str], port: int, log: Path
) -> subprocess.Popen[bytes]:
    """Start a server process and return once it accepts connections on `port`.

    Its output goes to `log`; SystemExit names the log when it exits or does not listen.
    """
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} server exited; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise SystemExit(f"{name} server did not listen within 60 s; see {log}")


def request_bytes(path: str, body: bytes, headers: dict[str, str], *, port: int) -> bytes:
    """A complete ``POST`` request, ready to send on a keep-alive connection."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One keep-alive client connection that sends prepared requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request; returns (status, body) of its answer."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return int(head.split(b" ", 2)[1]), body

    def close(self) -> None:
        self.writer.close()


async def serve(handler: Handler, port: int = 0) -> asyncio.Server:
    """Serve `handler` on 127.0.0.1 (a free port unless given) until the server is closed."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except asyncio.CancelledError:
                    return  # the harness is ending with this keep-alive connection still open
                first, *lines = head.decode("latin-1").split("\r\n")
                method, path, _ = first.split(" ", 2)
                headers = {}
                for line in lines:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                status, extra, answer = handler(method, path, headers, body)
                out = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
                out += [f"{name}: {value}" for name, value in extra.items()]
                out.append(f"Content-Length: {len(answer)}")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + answer)
        finally:
            writer.close()

    return await asyncio.start_server(connection, "127.0.0.1", port)
