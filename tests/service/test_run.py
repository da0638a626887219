"""run() as a real process: READY=1 and watchdog pings on a notify socket, SIGTERM drains."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import OutboundMessage, outbound_topic
from onebox_service.testing import NotifyListener

DEMO = Path(__file__).with_name("demo_service.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_until(predicate: object, *, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_service_process_notifies_serves_and_drains(tmp_path: Path, db_url: str) -> None:
    listener = NotifyListener(tmp_path / "notify.sock")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")},
        "ONEBOX_DATABASE_URL": db_url,
        "ONEBOX_PORT": str(port),
        "ONEBOX_SHUTDOWN_GRACE_SECONDS": "5",
        "NOTIFY_SOCKET": str(listener.path),
        "WATCHDOG_USEC": "300000",
    }
    proc = subprocess.Popen(
        [sys.executable, str(DEMO)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    bus = Bus.from_url(db_url)
    try:
        assert listener.wait_for(lambda m: "READY=1" in m, timeout=90), proc.poll()
        assert listener.wait_for(lambda m: m.count("WATCHDOG=1") >= 2)
        status, health = get(f"http://127.0.0.1:{port}/health")
        assert status == 200
        assert {w["name"] for w in health["workers"]} == {"slow-worker", "sender-demo"}  # type: ignore[union-attr]

        # the sender delivers through the sandbox channel
        reply = OutboundMessage(channel="demo", conversation_id="1", text="hi", correlation_id="c1")
        bus.publish(outbound_topic("demo"), reply.to_payload(), correlation_id="c1")
        assert wait_until(lambda: bus.stats()[outbound_topic("demo")].done == 1)

        # a message in flight when SIGTERM arrives is finished, not dropped
        bus.publish("demo.slow", {"n": 1})
        assert wait_until(
            lambda: (
                bus.stats().get("demo.slow") is not None and bus.stats()["demo.slow"].claimed == 1
            )
        )
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, -signal.SIGTERM), err.decode()[-2000:]
        assert "STOPPING=1" in listener.receive()
        assert bus.stats()["demo.slow"].done == 1
        lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        events = [line["event"] for line in lines]
        assert "service.ready" in events
        # start-up objects are frozen out of the collector's full passes (the stall they cost)
        [ready] = [line for line in lines if line["event"] == "service.ready"]
        assert ready["frozen_objects"] > 50_000
        assert "service.stopped" in events
        assert all("timestamp" in line and "level" in line for line in lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        bus.close()
        listener.close()
