"""The owner's pages in real headless Chromium, at a phone width and a desktop width.

The real app answers real inbound messages (offline router: one FAQ hit, unanswered questions
in two wordings, a customer whose name is markup). The browser signs in through the form,
reads the conversation list and a thread, and teaches an answer on the Unanswered page (our
script, the CSRF token). Each page is checked in the DOM (nothing wider than the screen,
bubbles on their sides) and in its screenshot: the PNG is as wide as the screen, and the boxes
of the elements that carry the content hold painted pixels.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from litestar import Litestar
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND
from onebox_orchestrator.testing import make_inbound, publish_inbound, serve_app

from . import _png
from ._chromium import Chromium, find_chromium
from .conftest import TOKEN

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SCREENS = {"phone": (390, 844, True), "desktop": (1280, 900, False)}
ANSWER = "Yes, we repair pots: bring the pieces to the shop."
EVIL = "<img src=x onerror=alert(1)>"
POTS = "Do you repair broken pots?"


def ask(bus: Bus, chat: str, text: str, name: str | None = None) -> None:
    inbound = dataclasses.replace(make_inbound(text, conversation_id=chat), sender_name=name)
    publish_inbound(bus, inbound)


def shoot(browser: Chromium, path: Path, selectors: list[str], width: int) -> dict[str, float]:
    """Screenshot the viewport; the ink share in the box of each selector's first element."""
    browser.call("Runtime.evaluate", expression="window.scrollTo(0, 0)")
    boxes = browser.evaluate(
        "Object.fromEntries(" + repr(selectors) + ".map(s => { const r = document.querySelector"
        "(s).getBoundingClientRect(); return [s, [r.left, r.top, r.right, r.bottom]]; }))"
    )
    shot = browser.call("Page.captureScreenshot", format="png")
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    image = _png.decode(data)
    assert image.width == width, (path.name, image.width)
    return {s: image.ink(*box) for s, box in boxes.items()}


def browse(url: str, binary: str, folder: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    with Chromium(folder / "profile", binary=binary) as browser:
        browser.navigate(f"{url}/login")
        browser.evaluate(
            f"document.getElementById('token').value = {TOKEN!r};"
            "document.querySelector('form').submit(); true"
        )
        browser.wait_for("location.pathname === '/' && document.readyState === 'complete'")
        for screen, (width, height, mobile) in SCREENS.items():
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=width, height=height, deviceScaleFactor=1, mobile=mobile,
            )  # fmt: skip
            browser.navigate(f"{url}/conversations")
            fits = "document.documentElement.scrollWidth <= window.innerWidth"
            assert browser.evaluate(fits), (screen, "conversations wider than the screen")
            names = browser.evaluate(
                "[...document.querySelectorAll('li.convo strong')].map(e => e.textContent)"
            )
            ink = shoot(browser, folder / f"conversations-{screen}.png",
                        ["li.convo", "form.filters", "nav.tabs"], width)  # fmt: skip
            seen[f"conversations-{screen}"] = {"names": names, "ink": ink}

            browser.navigate(f"{url}/conversations/telegram%3A42")
            assert browser.evaluate(fits), (screen, "thread wider than the screen")
            sides = browser.evaluate(
                "[...document.querySelectorAll('li.msg')].map(e => { const r ="
                " e.getBoundingClientRect(); return [e.classList.contains('us') ? 'us' : 'them',"
                " Math.round(r.left), Math.round(window.innerWidth - r.right),"
                " e.querySelector('.meta').textContent]; })"
            )
            ink = shoot(browser, folder / f"thread-{screen}.png",
                        ["li.msg.them", "li.msg.us"], width)  # fmt: skip
            seen[f"thread-{screen}"] = {"sides": sides, "ink": ink}

            browser.navigate(f"{url}/unanswered")
            assert browser.evaluate(fits), (screen, "unanswered wider than the screen")
            ink = shoot(browser, folder / f"unanswered-{screen}.png",
                        ["li.group .question", "li.group p.muted", "form.teach button"],
                        width)  # fmt: skip
            seen[f"unanswered-{screen}"] = {
                "ink": ink,
                "groups": browser.evaluate(
                    "[...document.querySelectorAll('li.group')].map(e =>"
                    " [e.querySelector('.question').textContent, e.dataset.count])"
                ),
            }
        browser.evaluate(
            f"document.querySelector('form.teach textarea').value = {ANSWER!r};"
            "document.querySelector('form.teach button').click(); true"
        )
        browser.wait_for("document.getElementById('flash').textContent.includes('Saved')")
        seen["flash"] = browser.evaluate("document.getElementById('flash').textContent")
        seen["errors"] = browser.console_errors()
    return seen


async def test_owner_pages_on_a_phone_and_a_desktop(
    bus: Bus, make_app: Callable[..., Litestar], tmp_path: Path
) -> None:
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (Debian packages chromium, chromium-driver)")
    async with serve_app(make_app(host="0.0.0.0")) as url:
        asked = (
            ("42", "What are your opening hours?", "Ana Lima"),
            ("42", POTS, "Ana Lima"),
            ("43", "do you fix broken pots", EVIL),
        )
        for n, (chat, text, name) in enumerate(asked, start=1):
            # Each once the one before is answered, as a customer reading the reply writes
            # (two messages at once would be one burst with one answer).
            ask(bus, chat, text, name)
            deadline = time.monotonic() + 20
            while INBOUND not in bus.stats() or bus.stats()[INBOUND].done < n:
                assert time.monotonic() < deadline, "the orchestrator did not answer in time"
                await anyio.sleep(0.02)
        seen = await anyio.to_thread.run_sync(lambda: browse(url, binary, tmp_path))
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=url, headers=auth) as client:
            api = await client.get("/api/unanswered?answered=1")

    print(f"owner page screenshots in {tmp_path}")
    assert seen["errors"] == []
    for screen in SCREENS:
        listing = seen[f"conversations-{screen}"]
        assert sorted(listing["names"]) == sorted([EVIL, "Ana Lima"])  # markup shown as text
        assert all(share > 0.01 for share in listing["ink"].values()), listing["ink"]
        thread = seen[f"thread-{screen}"]
        assert [side for side, *_ in thread["sides"]] == ["them", "us", "them", "us"]
        assert "from the FAQ" in thread["sides"][1][3]
        assert "offline fallback" in thread["sides"][3][3]
        for side, left, right, _ in thread["sides"]:
            assert (left < right) if side == "them" else (right < left), thread["sides"]
        assert all(share > 0.01 for share in thread["ink"].values()), thread["ink"]
        unanswered = seen[f"unanswered-{screen}"]
        [(example, count)] = unanswered["groups"]  # one group of both wordings
        assert (example, count) in {("do you fix broken pots", "2"), (POTS, "2")}
        assert all(share > 0.01 for share in unanswered["ink"].values()), unanswered["ink"]
    assert seen["flash"].startswith("Saved as FAQ entry")
    [group] = api.json()["groups"]
    assert group["answer"] == ANSWER
