"""The dashboard in real headless Chromium, on a database seeded by a real run of traffic.

The orchestrator answers inbound messages through the real router (a fake Groq on loopback
speaking the real wire protocol, the response cache, the offline FAQ), the kit's Sender
delivers the replies over a scripted channel whose first send is refused for good (a dead
letter), and 30 days of generated history sit behind. The browser signs in through the form,
and the test checks the charts, the numbers against ``/api/summary``, and the replay button.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from onebox_bus import Database
from onebox_orchestrator.app import create_app
from onebox_orchestrator.dashboard import seed_history
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_orchestrator.testing import make_inbound, publish_inbound, serve_app
from onebox_router import RouterSettings, build_router
from onebox_router.testing import FakeOpenAIServer
from onebox_service import PacingLimits, PermanentDeliveryError, Sender, open_runtime
from onebox_service.testing import ScriptedChannel
from pydantic import SecretStr

from ._chromium import Chromium, find_chromium
from .conftest import FAQ, TOKEN

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

QUESTIONS = [
    "What are your prices for delivery?",
    "Do you ship to Spain?",
    "What are your prices for delivery?",
    "What are your opening hours?",
    "Do you ship to Spain?",
    "What are your prices for delivery?",
    "Can I pay by card?",
    "Do you ship to Spain?",
    "What are your opening hours?",
    "Can I pay by card?",
]
ROUTING = """
[providers.groq]
timeout_seconds = 0.5
monthly_budget_usd = 5
"""


def lookup(summary: dict[str, Any], key: str) -> Any:
    value: Any = summary
    for part in key.split("/"):
        value = value[part]
    return value


async def wait_for(check: Callable[[], Any], *, within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await anyio.sleep(0.05)
    return value


async def test_dashboard_in_headless_chromium(db_url: str, tmp_path: Path) -> None:
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (Debian packages chromium, chromium-driver)")
    faq, routing = tmp_path / "faq.md", tmp_path / "routing.toml"
    faq.write_text(FAQ)
    routing.write_text(ROUTING)
    db = Database(db_url)
    seed_history(db.engine, until=time.time() - 3 * 3600, days=30, events_per_day=3000,
                 raw_days=2, every_minutes=30)  # fmt: skip
    settings = OrchestratorSettings(
        database_url=db_url, admin_token=TOKEN, host="0.0.0.0", deadline_seconds=5.0,
        idle_poll_seconds=0.05, metrics_flush_seconds=0.2, burst_max_seconds=3.0,
    )  # fmt: skip
    with FakeOpenAIServer(flavour="groq") as groq:
        groq.push(groq.server_error(), groq.slow(2.0))  # one failure, one timeout
        async with httpx.AsyncClient() as http:
            runtime = open_runtime(settings, service="orchestrator")
            router = build_router(
                RouterSettings(groq_api_key=SecretStr(groq.api_key), groq_base_url=groq.url,
                               faq_file=faq, routing_file=routing),
                http=http, db=db, collector=runtime.collector,
            )  # fmt: skip
            channel = ScriptedChannel("telegram", [PermanentDeliveryError("bot was blocked")])
            runtime.add_worker(Sender(
                bus=runtime.bus, channel=channel, deliveries=runtime.deliveries,
                collector=runtime.collector, limits=PacingLimits(per_key_interval=None),
                min_poll=0.01, max_poll=0.05,
            ))  # fmt: skip
            app = create_app(settings, router=router, runtime=runtime)
            async with serve_app(app) as url:
                await drive(url, runtime.bus, binary, tmp_path)
            await router.aclose()
    db.close()


async def drive(url: str, bus: Any, binary: str, tmp_path: Path) -> None:
    for i, question in enumerate(QUESTIONS):  # one at a time, so repeats can hit the cache
        publish_inbound(bus, make_inbound(question, conversation_id=str(100 + i)))
        await wait_for(lambda i=i: bus.stats()["inbound"].done == i + 1)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=auth) as api:

        async def summary() -> dict[str, Any]:
            response = await api.get("/api/summary")
            assert response.status_code == 200
            return dict(response.json())

        async def settled() -> bool:
            s = await summary()
            hour = s["windows"]["hour"]
            return (
                hour["messages_in"] == len(QUESTIONS)
                and hour["replies_out"] == len(QUESTIONS) - 1
                and s["dead_letters"]["count"] == 1
                and s["queue"]["waiting"] == 0
            )

        deadline = time.monotonic() + 30
        while not await settled():
            assert time.monotonic() < deadline, "traffic did not settle"
            await anyio.sleep(0.1)
        before = await summary()
        hour = before["windows"]["hour"]
        assert hour["cache"]["hits"] >= 3
        assert hour["providers"]["groq"]["failures"] >= 2
        assert hour["providers"]["groq"]["timeouts"] == 1
        assert hour["spend_usd"] > 0
        assert hour["latency"]["count"] == len(QUESTIONS) - 1
        assert before["windows"]["month"]["messages_in"] > hour["messages_in"]
        assert before["health"]["services"]["orchestrator"]["starts"]["hour"] == 1

        def browse() -> tuple[dict[str, Any], dict[str, int], list[str], Path]:
            with Chromium(tmp_path / "profile", binary=binary) as browser:
                browser.navigate(f"{url}/login")
                browser.evaluate(
                    f"document.getElementById('token').value = {TOKEN!r};"
                    "document.querySelector('form').submit(); true"
                )
                browser.wait_for("!!document.querySelector('#content svg.chart')")
                for window in ("hour", "day", "month"):
                    browser.navigate(f"{url}/?window={window}")
                    points = browser.evaluate(
                        "Object.fromEntries([...document.querySelectorAll('svg.chart')].map("
                        "c => [c.dataset.chart, c.querySelectorAll('circle.pt').length]))"
                    )
                    assert set(points) == {"traffic", "latency", "cache", "spend"}, points
                    assert all(n > 0 for n in points.values()), (window, points)
                figures = browser.evaluate(
                    "Object.fromEntries([...document.querySelectorAll('[data-key]')].map("
                    "e => [e.dataset.key, JSON.parse(e.dataset.value)]))"
                )
                same_time = httpx.get(f"{url}/api/summary", headers=auth).json()
                for key, value in figures.items():
                    assert lookup(same_time, key) == value, key
                browser.evaluate("document.querySelector('button[data-replay]').click(); true")
                browser.wait_for(
                    "document.getElementById('flash').textContent.includes('Replayed')"
                )
                browser.wait_for("document.querySelector('button[data-replay]') === null")
                shot = browser.screenshot(tmp_path / "dashboard.png")
                return figures, points, browser.console_errors(), shot

        figures, _, errors, shot = await anyio.to_thread.run_sync(browse)
        print(f"dashboard screenshot: {shot}")
        assert errors == []
        assert shot.stat().st_size > 10_000
        after = await summary()
        assert len(figures) > 40
        assert figures["dead_letters/count"] == 1
        assert after["dead_letters"]["count"] == 0
        assert bus.dead_letters() == []
        await wait_for(lambda: bus.stats()["outbound.telegram"].done == len(QUESTIONS))
