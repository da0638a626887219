"""The dashboard's cached answers: most reused first, escaped, forgotten in one click (real app)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from onebox_bus import Bus
from onebox_router import CacheAdmin, ResponseCache, namespace

from .conftest import TOKEN
from .test_dashboard_access import LOCAL, csrf_of

pytestmark = pytest.mark.anyio

NS = namespace("You are Casa Verde's assistant.", "v1")
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quoted"'


def seed(bus: Bus) -> tuple[ResponseCache, dict[str, int]]:
    """Three cached answers, one holding HTML, served 1, 7 and 3 times."""
    cache = ResponseCache(bus.db, clock=time.time)
    cache.store(NS, "Do you ship abroad?", "EU only.", provider="groq", model="m")
    cache.store(NS, "Do you sell gift cards?", EVIL, provider="claude", model="m")
    cache.store(NS, "What are your opening hours?", "9-19.", provider="local", model="m")
    ids = {row.answer: row.id for row in CacheAdmin(bus.db).list()}
    cache.record_reuse({ids["EU only."]: 1, ids[EVIL]: 7, ids["9-19."]: 3})
    return cache, ids


async def test_the_most_reused_answers_are_listed_escaped(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    _, ids = seed(bus)
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        assert (await client.get("/cache")).status_code == 401
        assert (await client.get("/api/cache")).status_code == 401
        page = await client.get("/cache", headers=AUTH)
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        html = page.text
        assert "<script>alert" not in html
        assert "onerror=alert(1)>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "&amp; &quot;quoted&quot;" in html
        order = [html.index(f'data-forget="{ids[a]}"') for a in (EVIL, "9-19.", "EU only.")]
        assert order == sorted(order), "most reused first"
        assert "<td>7</td>" in html
        assert "claude" in html
        listing = (await client.get("/api/cache", headers=AUTH)).json()
        assert [(r["answer"], r["reuse_count"]) for r in listing] == [
            (EVIL, 7), ("9-19.", 3), ("EU only.", 1)
        ]  # fmt: skip
        script = await client.get("/cache/forget.js", headers=AUTH)
        assert script.headers["content-type"].startswith("text/javascript")
        assert "X-CSRF-Token" in script.text


async def test_forget_needs_the_csrf_token_and_the_row_is_never_served_again(
    bus: Bus, make_app: Callable[..., Litestar]
) -> None:
    cache, ids = seed(bus)
    # A running router's cache has served the row, exactly and as a paraphrase.
    assert cache.lookup(NS, "do you sell gift cards") is not None
    similar = cache.lookup(NS, "do you selll gift cards")
    assert similar is not None
    assert similar.match == "similar"
    row = ids[EVIL]
    url = f"/api/cache/{row}/forget"
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        token = csrf_of((await client.get("/cache", headers=AUTH)).text)
        assert (await client.post(url, headers={"X-CSRF-Token": token})).status_code == 401
        assert (await client.post(url, headers=AUTH)).status_code == 403
        forged = {**AUTH, "X-CSRF-Token": token + "x"}
        assert (await client.post(url, headers=forged)).status_code == 403
        assert CacheAdmin(bus.db).get(str(row)) is not None
        good = {**AUTH, "X-CSRF-Token": token}
        unknown = await client.post("/api/cache/999999/forget", headers=good)
        assert unknown.status_code == 404
        assert "no cached answer 999999" in unknown.json()["error"]
        done = await client.post(url, headers=good)
        assert done.status_code == 200
        assert done.json() == {"forgotten": row}
        assert (await client.post(url, headers=good)).status_code == 404
        page = (await client.get("/cache", headers=AUTH)).text
        assert f'data-forget="{row}"' not in page
        assert f'data-forget="{ids["9-19."]}"' in page
    assert CacheAdmin(bus.db).get(str(row)) is None
    assert cache.lookup(NS, "do you sell gift cards") is None
    assert cache.lookup(NS, "do you selll gift cards") is None
    assert cache.lookup(NS, "Do you ship abroad?") is not None


async def test_an_empty_cache_says_so(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(make_app(host="0.0.0.0"), base_url=LOCAL) as client:
        page = await client.get("/cache", headers=AUTH)
        assert "The cache holds no live answer." in page.text
