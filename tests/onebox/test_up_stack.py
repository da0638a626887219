"""The supervisor behind ``onebox up``, driving small real child processes."""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import time
from pathlib import Path

import orjson
import pytest

from onebox._stack import ServiceSpec, Stack, StackError, read_state, restart_delay, service_urls
from onebox._stack_logs import LogSink, format_pretty

# A child with a /health endpoint; "ignore" makes it ignore SIGTERM, "crash" exits 3 at once
# after its first start (a marker file tells the second start from the first).
CHILD = r"""
import os, signal, sys, http.server, threading, json
port, mode, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
if mode == "config":
    print("onebox: invalid setting ONEBOX_PORT", flush=True); sys.exit(2)
if mode == "crash" and not os.path.exists(marker):
    open(marker, "w").close(); print("dying", flush=True); sys.exit(3)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
print(json.dumps({"event": "child.ready", "level": "info", "port": port}), flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spec(tmp_path: Path, name: str, mode: str = "ok") -> ServiceSpec:
    port = _port()
    argv = (sys.executable, "-c", CHILD, str(port), mode, str(tmp_path / f"{name}.marker"))
    return ServiceSpec(name=name, argv=argv, port=port)


def _stack(tmp_path: Path, *specs: ServiceSpec, grace: float = 5.0) -> tuple[Stack, io.StringIO]:
    out = io.StringIO()
    stack = Stack(
        specs, env=dict(os.environ), sink=LogSink(out), state_file=tmp_path / "up.json",
        grace=grace,
    )  # fmt: skip
    return stack, out


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_restart_delay_grows_by_half_up_to_the_cap() -> None:
    assert restart_delay(0) == 0.0
    assert restart_delay(1) == pytest.approx(0.1)
    assert restart_delay(2) == pytest.approx(0.15)
    assert restart_delay(3) == pytest.approx(0.225)
    assert restart_delay(40) == 15.0


def test_healthy_children_log_with_prefix_and_stop_cleanly(tmp_path: Path) -> None:
    stack, out = _stack(tmp_path, _spec(tmp_path, "alpha"), _spec(tmp_path, "beta"))
    stack.start()
    try:
        stack.wait_healthy(30)
        state = read_state(tmp_path / "up.json")
        assert state is not None
        pids = {n: s["pid"] for n, s in state["services"].items()}  # type: ignore[union-attr]
    finally:
        codes = stack.stop()
    assert codes == {"alpha": 0, "beta": 0}
    ready = [r for r in _records(out) if r.get("event") == "child.ready"]
    assert {r["service"] for r in ready} == {"alpha", "beta"}
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
    assert read_state(tmp_path / "up.json")["stopped"] is True  # type: ignore[index]


def test_a_dead_child_is_reported_and_restarted(tmp_path: Path) -> None:
    stack, out = _stack(tmp_path, _spec(tmp_path, "flaky", mode="crash"))
    stack.start()
    try:
        stack.wait_healthy(30)  # the first start dies; the restart comes up
        exited = [r for r in _records(out) if r.get("event") == "up.exited"]
        assert exited[0]["name"] == "flaky"
        assert exited[0]["exit_code"] == 3
        assert any(r.get("line") == "dying" and r["service"] == "flaky" for r in _records(out))
        pid = stack.state()["services"]["flaky"]["pid"]  # type: ignore[index]
        os.kill(int(pid), signal.SIGKILL)
        watcher = __import__("threading").Thread(target=stack.supervise, kwargs={"poll": 0.05})
        watcher.start()
        deadline = time.monotonic() + 20
        while stack.state()["services"]["flaky"]["restarts"] < 2:  # type: ignore[index]
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        stack.stopping.set()
        watcher.join()
    finally:
        stack.stop()
    state = read_state(tmp_path / "up.json")
    assert state is not None
    assert state["services"]["flaky"]["restarts"] == 2


def test_a_child_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    stack, out = _stack(tmp_path, _spec(tmp_path, "stubborn", mode="ignore"), grace=0.5)
    stack.start()
    stack.wait_healthy(30)
    codes = stack.stop()
    assert codes == {"stubborn": -signal.SIGKILL}
    assert any(r.get("event") == "up.killed" for r in _records(out))


def test_a_configuration_error_stops_the_start(tmp_path: Path) -> None:
    stack, out = _stack(tmp_path, _spec(tmp_path, "misconfigured", mode="config"))
    stack.start()
    with pytest.raises(StackError, match="refused its configuration"):
        stack.wait_healthy(30)
    stack.stop()
    assert any("invalid setting ONEBOX_PORT" in str(r.get("line")) for r in _records(out))


def test_service_urls_come_from_the_running_stack_then_overrides(tmp_path: Path) -> None:
    state = tmp_path / "up.json"
    state.write_bytes(orjson.dumps({"services": {"telegram": {"url": "http://127.0.0.1:4001"}}}))
    urls = service_urls(state, ["whatsapp=http://127.0.0.1:4002/"])
    assert urls == {
        "telegram": "http://127.0.0.1:4001",
        "whatsapp": "http://127.0.0.1:4002",
        "orchestrator": "http://127.0.0.1:3003",
    }
    with pytest.raises(ValueError, match="NAME=URL"):
        service_urls(None, ["bogus=http://x"])


def test_log_lines_are_json_with_the_service_or_readable_on_a_terminal() -> None:
    out = io.StringIO()
    sink = LogSink(out)
    sink.line("telegram", '{"event":"webhook.message","level":"info","correlation_id":"c1"}\n')
    sink.line("telegram", "Traceback (most recent call last):\n")
    first, second = (orjson.loads(x) for x in out.getvalue().splitlines())
    assert first == {"service": "telegram", "event": "webhook.message", "level": "info",
                     "correlation_id": "c1"}  # fmt: skip
    assert second == {"service": "telegram", "event": "output",
                      "line": "Traceback (most recent call last):"}  # fmt: skip
    pretty = format_pretty(
        "orchestrator",
        {"event": "message.answered", "level": "warning", "timestamp": "2026-01-02T03:04:05Z",
         "provider": "offline"},
    )  # fmt: skip
    assert "orchestrator" in pretty
    assert "03:04:05" in pretty
    assert "message.answered provider=offline" in pretty
    assert "\x1b[" in pretty
