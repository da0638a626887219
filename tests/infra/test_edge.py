"""Prometheus examples checked by promtool; the Caddyfile run by a real Caddy on loopback."""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import INFRA, free_port, require_tool, stop_process, wait_until

PROM = INFRA / "prometheus"


def test_promtool_checks_the_config_and_rules() -> None:
    promtool = require_tool("promtool")
    config = subprocess.run(
        [promtool, "check", "config", str(PROM / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert config.returncode == 0, config.stdout + config.stderr
    rules = subprocess.run(
        [promtool, "check", "rules", str(PROM / "onebox.rules.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rules.returncode == 0, rules.stdout + rules.stderr
    text = (PROM / "onebox.rules.yml").read_text()
    for metric in (
        "onebox_bus_oldest_ready_age_seconds",  # queue age
        "onebox_bus_dead_letters",
        "node_systemd_unit_state",  # restarts
        "onebox_router_cost_usd",  # spend
        "onebox_router_provider_attempts_total",  # provider failures
    ):
        assert metric in text


class _Upstream(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = f"{self.server.server_port} {self.command} {self.path}".encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def upstreams() -> Iterator[tuple[int, int, int]]:
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream) for _ in range(3)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    try:
        yield servers[0].server_port, servers[1].server_port, servers[2].server_port
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


@contextlib.contextmanager
def caddy_serving(tmp_path: Path, upstreams: tuple[int, int, int], **extra: str) -> Iterator[str]:
    """The production Caddyfile served as plain HTTP on a loopback port; yields its base URL."""
    caddy = require_tool("caddy")
    telegram, whatsapp, orchestrator = upstreams
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")},
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        # The same file as production, served as plain HTTP on a loopback port for the test.
        "ONEBOX_DOMAIN": f"http://127.0.0.1:{port}",
        "ONEBOX_CADDY_ADMIN": "off",
        "ONEBOX_TELEGRAM_UPSTREAM": f"127.0.0.1:{telegram}",
        "ONEBOX_WHATSAPP_UPSTREAM": f"127.0.0.1:{whatsapp}",
        "ONEBOX_ORCHESTRATOR_UPSTREAM": f"127.0.0.1:{orchestrator}",
        **extra,
    }
    config = str(INFRA / "caddy" / "Caddyfile")
    subprocess.run(
        [caddy, "validate", "--config", config], env=env, check=True, capture_output=True
    )
    with (tmp_path / "caddy.log").open("wb") as log:
        proc = subprocess.Popen(
            [caddy, "run", "--config", config], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            httpx.get(base + "/", timeout=1.0)
        except httpx.HTTPError:
            return False
        return True

    try:
        assert wait_until(up, timeout=30), (tmp_path / "caddy.log").read_text()
        yield base
    finally:
        stop_process(proc, timeout=10)


def test_caddy_proxies_only_the_two_webhooks(
    tmp_path: Path, upstreams: tuple[int, int, int]
) -> None:
    telegram, whatsapp, _ = upstreams
    with caddy_serving(tmp_path, upstreams) as base:
        r = httpx.post(base + "/webhook/telegram", json={"update_id": 1})
        assert (r.status_code, r.text) == (200, f"{telegram} POST /webhook/telegram")
        r = httpx.get(base + "/webhook/whatsapp?hub.mode=subscribe&hub.challenge=7")
        assert r.status_code == 200
        assert r.text.startswith(f"{whatsapp} GET /webhook/whatsapp?")
        for path in ("/health", "/metrics", "/admin/stats", "/webhook/telegram/x", "/", "/login"):
            assert httpx.get(base + path).status_code == 404, path
        big = httpx.post(base + "/webhook/telegram", content=b"x" * (2 * 1024 * 1024))
        assert big.status_code == 413


def test_caddy_routes_the_dashboard_under_the_public_name_when_asked(
    tmp_path: Path, upstreams: tuple[int, int, int]
) -> None:
    """Issue 20 finding 2: the owner could not open the dashboard from a phone."""
    orchestrator = upstreams[2]
    with caddy_serving(tmp_path, upstreams, ONEBOX_DASHBOARD="on") as base:
        for method, path in (("GET", "/"), ("GET", "/login"), ("POST", "/login"),
                             ("GET", "/api/summary"), ("POST", "/api/replay"),
                             ("GET", "/static/dashboard.js"), ("GET", "/static/owner.js"),
                             ("GET", "/conversations"), ("GET", "/conversations/telegram:42"),
                             ("GET", "/api/conversations"),
                             ("GET", "/api/conversations/telegram:42"), ("GET", "/unanswered"),
                             ("GET", "/api/unanswered"),
                             ("POST", "/api/unanswered/3/answer")):  # fmt: skip
            r = httpx.request(method, base + path)
            assert (r.status_code, r.text) == (200, f"{orchestrator} {method} {path}"), path
        for path in ("/health", "/metrics", "/admin/stats", "/admin/trace", "/static/x"):
            assert httpx.get(base + path).status_code == 404, path
