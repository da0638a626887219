"""The dashboard's page of cached answers: the most reused first, each forgotten in one click.

- ``GET /cache``: the live cached answers served most often (question words, a preview of
  the answer, provider, times served, expiry), each with a Forget button;
- ``GET /api/cache``: the same rows as JSON;
- ``POST /api/cache/{id}/forget``: deletes that cached answer (`onebox_router.CacheAdmin`,
  as ``onebox cache forget`` does: a running orchestrator never serves it again). It needs
  the same CSRF double submit as the replay (cookie and ``X-CSRF-Token`` header); 404 for
  an unknown row;
- ``GET /cache/forget.js``: the button's script (the page allows no inline script).

`cache_handlers` gives these routes; `dashboard_handlers` puts them behind its sign-in guard.
Times served reach the table in batches written behind the replies, so the figures run a
little behind the traffic.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

import anyio.to_thread
import structlog
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from onebox_bus import Bus
from onebox_router import CacheAdmin, CachedAnswer

from .access import CSRF_COOKIE, CSRF_HEADER, Access
from .page import _document

log = structlog.get_logger("onebox.orchestrator.dashboard")

#: How many rows the page lists.
MOST_REUSED = 50
#: Characters of an answer shown in the list.
PREVIEW = 160

SCRIPT = b"""// onebox dashboard: forget a cached answer (CSRF double submit, as the replay).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var flash = document.getElementById("flash");
  function say(text) { if (flash) { flash.textContent = text; } }
  function forget(button) {
    var id = Number(button.getAttribute("data-forget"));
    button.disabled = true;
    fetch("/api/cache/" + id + "/forget", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf }
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { throw new Error(result.body.error || "refused"); }
        var row = button.closest("tr");
        if (row) { row.remove(); }
        say("Cached answer " + id + " forgotten: the next such question is answered afresh.");
      })
      .catch(function (error) { button.disabled = false; say("Forget failed: " + error.message); });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("button[data-forget]")) { forget(target); }
  });
})();
"""


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _preview(answer: str) -> str:
    flat = " ".join(answer.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _row(answer: CachedAnswer) -> str:
    return (
        f"<tr><td>{answer.id}</td><td>{escape(' '.join(answer.tokens))}</td>"
        f'<td title="{escape(answer.answer)}">{escape(_preview(answer.answer))}</td>'
        f"<td>{escape(answer.provider)}</td><td>{answer.reuse_count}</td>"
        f"<td>{escape(_when(answer.expires_at))}</td>"
        f'<td><button type="button" data-forget="{answer.id}">Forget</button></td></tr>'
    )


def render_cache_page(rows: list[CachedAnswer], *, csrf: str) -> str:
    """The page listing `rows` (most reused first), every value escaped."""
    header = (
        '<header><h1>onebox</h1><nav class="tabs"><a href="/">Dashboard</a>'
        '<a href="/cache" aria-current=page>Cached answers</a></nav>'
        '<p id="flash" class="flash" role="status" aria-live="polite"></p></header>'
    )
    if rows:
        head = "".join(
            f"<th>{escape(h)}</th>"
            for h in ("Id", "Question words", "Answer", "Provider", "Served", "Expires", "")
        )
        table = (
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(_row(r) for r in rows)}</tbody></table></div>"
        )
    else:
        table = '<p class="empty">The cache holds no live answer.</p>'
    body = (
        f'{header}<main id="content"><section class="card"><h2>Most reused answers</h2>'
        "<p>Answers served from the cache, the most served first. Forget a wrong one: the "
        f"next such question is answered afresh.</p>{table}</section></main>"
        '<script src="/cache/forget.js" defer></script>'
    )
    return _document("onebox cached answers", body, csrf=csrf)


def _as_json(answer: CachedAnswer) -> dict[str, Any]:
    return {
        "id": answer.id,
        "tokens": list(answer.tokens),
        "answer": answer.answer,
        "provider": answer.provider,
        "model": answer.model,
        "reuse_count": answer.reuse_count,
        "expires_at": answer.expires_at,
    }


def cache_handlers(
    *,
    bus: Bus,
    access: Access,
    headers: Mapping[str, str],
    clock: Callable[[], float] = time.time,
) -> list[ControllerRouterHandler]:
    """The cached-answers routes (to be mounted behind the dashboard's guard).

    Args:
        bus: the bus, whose database holds the router's cache.
        access: issues and checks the CSRF token.
        headers: the security headers every dashboard response carries.
        clock: the time source (what is still live).
    """
    admin = CacheAdmin(bus.db, clock=clock)
    security = dict(headers)

    async def most_reused() -> list[CachedAnswer]:
        return await anyio.to_thread.run_sync(lambda: admin.most_reused(MOST_REUSED))

    @get("/cache", media_type="text/html")
    async def cache_page(request: Request[Any, Any, Any]) -> Response[str]:
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if not access.csrf_valid(csrf, csrf):
            csrf = access.new_csrf()
        html = render_cache_page(await most_reused(), csrf=csrf)
        cookie = Cookie(
            key=CSRF_COOKIE, value=csrf, httponly=True, samesite="strict",
            secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
        return Response(html, media_type="text/html", headers=security, cookies=[cookie])

    @get("/api/cache")
    async def cache_json() -> Response[list[dict[str, Any]]]:
        return Response([_as_json(r) for r in await most_reused()], headers=security)

    @post("/api/cache/{row_id:int}/forget", status_code=200)
    async def forget(
        request: Request[Any, Any, Any], row_id: FromPath[int]
    ) -> Response[dict[str, Any]]:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not access.csrf_valid(cookie, request.headers.get(CSRF_HEADER, "")):
            log.warning("dashboard.csrf_refused")
            return Response(
                {"error": "CSRF token missing or wrong: reload the page"},
                status_code=403,
                headers=security,
            )
        gone = await anyio.to_thread.run_sync(lambda: admin.forget(str(row_id)))
        if not gone:
            return Response(
                {"error": f"no cached answer {row_id}"}, status_code=404, headers=security
            )
        log.info("dashboard.cache_forgotten", row_id=row_id)
        return Response({"forgotten": row_id}, headers=security)

    @get("/cache/forget.js")
    async def script() -> Response[bytes]:
        return Response(SCRIPT, media_type="text/javascript", headers=security)

    return [cache_page, cache_json, forget, script]
