"""uvicorn's limits as a real service process serves them: header timeout, keep-alive, cap."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_run import DEMO, free_port

REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.settimeout(20)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes the connection (True) or 20 s pass (socket timeout)."""
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    return True


def status_of(sock: socket.socket) -> int:
    sock.sendall(REQUEST)
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


@pytest.fixture
def service(tmp_path: Path, db_url: str) -> Iterator[int]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONEBOX_", "NOTIFY_"))},
        "ONEBOX_DATABASE_URL": db_url,
        "ONEBOX_PORT": str(port),
        "ONEBOX_HTTP_HEADER_TIMEOUT_SECONDS": "3",
        "ONEBOX_HTTP_KEEPALIVE_SECONDS": "1",
        "ONEBOX_HTTP_MAX_CONNECTIONS": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, str(DEMO)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            try:
                with connect(port) as probe:
                    if status_of(probe) == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.slow
def test_connections_over_the_cap_get_503(service: int) -> None:
    """Issue 20 finding 9: no connection cap."""
    idle = [connect(service) for _ in range(3)]
    try:
        with connect(service) as extra:
            assert status_of(extra) == 503
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.slow
def test_silent_and_slow_header_connections_are_closed(service: int) -> None:
    """Issue 20 finding 9: a connection that never finished its headers was held forever."""
    with connect(service) as silent, connect(service) as dripping:
        dripping.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        assert closed_by_server(silent)
        assert closed_by_server(dripping)
    with connect(service) as kept:
        assert status_of(kept) == 200
        assert closed_by_server(kept)  # idle after its response: the keep-alive timeout
