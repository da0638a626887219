"""Who may see the dashboard, the login cookie, and the CSRF check on replay (real app, real db)."""

from __future__ import annotations

import re
from collections.abc import Callable

import anyio
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from onebox_agent_telegram.testing import serving
from onebox_bus import Bus

from .conftest import TOKEN

pytestmark = pytest.mark.anyio

LOCAL = "http://127.0.0.1"


def dead_letter(bus: Bus, reason: str = "bot was blocked by the user") -> int:
    bus.publish("outbound.telegram", {"text": "hi"}, key="telegram:1")
    (message,) = bus.claim("outbound.telegram", consumer="test")
    bus.dead_letter(message, reason)
    return message.id


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found is not None
    return found.group(1)


async def test_without_the_token_page_and_api_answer_401(
    make_app: Callable[..., Litestar],
) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        page = await client.get("/")
        assert page.status_code == 401
        assert 'action="/login"' in page.text
        for path in ("/api/summary", "/fragment"):
            assert (await client.get(path)).status_code == 401
        wrong = await client.get("/api/summary", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert TOKEN not in wrong.text
        replay = await client.post("/api/replay", json={"ids": [1]})
        assert replay.status_code == 401


async def test_bearer_token_opens_page_and_api(make_app: Callable[..., Litestar]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        page = await client.get("/", headers=auth)
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert 'data-chart="traffic"' in page.text
        summary = (await client.get("/api/summary", headers=auth)).json()
        assert set(summary["windows"]) == {"hour", "day", "month"}
        assert summary["health"]["database_ok"] is True


async def test_login_form_sets_a_strict_httponly_cookie(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        bad = await client.post("/login", content="token=wrong", headers=FORM)
        assert bad.status_code == 401
        assert "not right" in bad.text
        good = await client.post(
            "/login", content=f"token={TOKEN}", headers=FORM, follow_redirects=False
        )
        assert good.status_code == 303
        assert good.headers["location"] == "/"
        cookie = good.headers["set-cookie"].lower()
        assert "onebox_session=" in cookie
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        assert TOKEN not in good.headers["set-cookie"]
        assert (await client.get("/api/summary")).status_code == 200
        client.cookies.clear()
        client.cookies.set("onebox_session", "9999999999.forged")
        assert (await client.get("/api/summary")).status_code == 401


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_open_without_a_token_only_on_loopback(make_app: Callable[..., Litestar]) -> None:
    """The local quickstart: no token, bound to loopback, opened from this machine."""
    async with (
        serving(make_app(host="127.0.0.1", admin_token=None)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/api/summary")).status_code == 200
        # through a reverse proxy on this host: not "this machine"
        proxied = await client.get("/", headers={"x-forwarded-for": "203.0.113.9"})
        assert proxied.status_code == 401
    async with AsyncTestClient(
        make_app(host="0.0.0.0", admin_token=None), base_url=LOCAL
    ) as client:
        page = await client.get("/")
        assert page.status_code == 401
        assert "ONEBOX_ADMIN_TOKEN" in page.text


async def test_replay_needs_the_csrf_token(bus: Bus, make_app: Callable[..., Litestar]) -> None:
    dead_id = dead_letter(bus)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        page = await client.get("/", headers=auth)
        assert "bot was blocked by the user" in page.text
        assert f'data-replay="{dead_id}"' in page.text
        token = csrf_of(page.text)
        assert "httponly" in page.headers["set-cookie"].lower()
        assert "samesite=strict" in page.headers["set-cookie"].lower()
        body = {"ids": [dead_id]}
        missing = await client.post("/api/replay", json=body, headers=auth)
        assert missing.status_code == 403
        forged = {**auth, "X-CSRF-Token": token + "x"}
        assert (await client.post("/api/replay", json=body, headers=forged)).status_code == 403
        assert [d.id for d in bus.dead_letters()] == [dead_id]
        ok = await client.post("/api/replay", json=body, headers={**auth, "X-CSRF-Token": token})
        assert ok.status_code == 200
        assert ok.json() == {"replayed": 1}
        assert bus.dead_letters() == []
        bad = await client.post(
            "/api/replay", content=b"{nope", headers={**auth, "X-CSRF-Token": token}
        )
        assert bad.status_code == 400


async def test_static_files_are_ours(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        css = await client.get("/static/dashboard.css")
        assert css.status_code == 200
        assert "prefers-color-scheme: dark" in css.text
        js = await client.get("/static/dashboard.js")
        assert "X-CSRF-Token" in js.text
        assert (await client.get("/static/../app.py")).status_code == 404


async def test_the_summary_is_read_once_at_start_so_the_first_visit_is_warm(
    make_app: Callable[..., Litestar],
) -> None:
    import time

    from structlog.testing import capture_logs

    with capture_logs() as logs:
        async with AsyncTestClient(make_app(host="127.0.0.1"), base_url=LOCAL):
            deadline = time.monotonic() + 20
            while not any(e["event"] == "dashboard.warm" for e in logs):
                assert time.monotonic() < deadline, "the dashboard was not warmed at start"
                await anyio.sleep(0.02)


# -- issue 20 finding 2 ---------------------------------------------------------------------


async def test_a_token_is_required_on_loopback_too(make_app: Callable[..., Litestar]) -> None:
    """Finding 2: with ONEBOX_ADMIN_TOKEN set, a loopback bind opened the dashboard to all."""
    async with (
        serving(make_app(host="127.0.0.1")) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        assert (await client.get("/")).status_code == 401
        assert (await client.get("/api/summary")).status_code == 401
        assert (await client.post("/api/replay", json={"ids": [1]})).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert (await client.get("/api/summary", headers=auth)).status_code == 200


async def test_a_dns_rebinding_request_is_refused(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    """Finding 2: a page rebinding its name to 127.0.0.1 read the CSRF token and replayed."""
    dead_id = dead_letter(bus)
    async with (
        serving(make_app(host="127.0.0.1", admin_token=None)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        evil = {"host": "attacker.example:3003"}
        page = await client.get("/", headers=evil)
        assert page.status_code == 403
        assert "csrf-token" not in page.text
        assert (await client.get("/api/summary", headers=evil)).status_code == 403
        assert (await client.get("/login", headers=evil)).status_code == 403
        token = csrf_of((await client.get("/")).text)
        replay = await client.post(
            "/api/replay",
            json={"ids": [dead_id]},
            headers={**evil, "X-CSRF-Token": token},
        )
        assert replay.status_code == 403
        assert [d.id for d in bus.dead_letters()] == [dead_id]
        for name in ("localhost", "127.0.0.1", "[::1]:3003", "LOCALHOST:80"):
            assert (await client.get("/", headers={"host": name})).status_code == 200, name


async def test_the_public_name_is_let_in_with_the_token(make_app: Callable[..., Litestar]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    app = make_app(host="127.0.0.1", public_host="bot.example.com")
    async with AsyncTestClient(app, base_url="https://bot.example.com") as client:
        assert (await client.get("/api/summary")).status_code == 401
        assert (await client.get("/api/summary", headers=auth)).status_code == 200
        other = await client.get("/api/summary", headers={**auth, "host": "other.example.com"})
        assert other.status_code == 403


async def test_failed_sign_ins_are_rate_limited(make_app: Callable[..., Litestar]) -> None:
    """Finding 9 (the /login part, with the dashboard): guesses were unlimited."""
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        for _ in range(5):
            bad = await client.post("/login", content="token=guess", headers=FORM)
            assert bad.status_code == 401
        limited = await client.post("/login", content="token=guess", headers=FORM)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        right = await client.post(
            "/login", content=f"token={TOKEN}", headers=FORM, follow_redirects=False
        )
        assert right.status_code == 429
        assert "onebox_session" not in right.headers.get("set-cookie", "")


def test_the_login_limit_is_per_client_and_overall_and_passes() -> None:
    from onebox_bus.testing import FakeClock
    from onebox_orchestrator.access import LoginLimiter

    clock = FakeClock(1000.0)
    limiter = LoginLimiter(per_client=2, overall=3, window=60.0, clock=clock)
    limiter.failed("a")
    limiter.failed("a")
    assert limiter.retry_after("a") == 60.0
    assert limiter.retry_after("b") == 0.0
    limiter.failed("b")
    assert limiter.retry_after("c") == 60.0  # three failures overall: everyone waits
    clock.advance(60.0)
    assert limiter.retry_after("a") == 0.0
    assert limiter.retry_after("c") == 0.0
