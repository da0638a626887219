"""The dashboard's handoff desk: open handoffs with their waiting time, and a reply box each.

- ``GET /handoffs``: the open handoffs, the longest waiting first (opened how long ago, the
  operator's last answer, the bot off or not), each with a reply box;
- ``GET /handoffs.js``: the script that sends a reply box (the CSRF double submit);
- ``POST /api/handoffs/{id}/reply``: ``{"text": ..., "nonce": ...}``, with the CSRF token in
  the ``onebox_csrf`` cookie and the ``X-CSRF-Token`` header, like every dashboard POST.

A reply takes the operator's own path: it is published to the ``operator`` topic as the
operator chat's message ``#<id> <text>`` (marked as from the dashboard), and the operator
handler sends it to the customer on the customer's channel, restarts the idle clock,
remembers it, and says in the operator chat that it was answered from the dashboard. The
form's nonce is the bus message's dedupe key, so a double submit sends once. The routes sit
behind the dashboard's guard (`routes.dashboard_handlers`); every value shown is escaped.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import secrets
import time
from collections.abc import Callable
from html import escape
from typing import Any

import structlog
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from onebox_bus.contracts import OPERATOR, InboundMessage
from onebox_service import new_correlation_id
from pydantic import BaseModel, Field, ValidationError

from onebox_orchestrator.desk import HandoffDesk, channel_name, minutes
from onebox_orchestrator.handoffs import Handoff
from onebox_orchestrator.operators import FROM_DASHBOARD

from .access import CSRF_COOKIE, CSRF_HEADER, Access

log = structlog.get_logger("onebox.orchestrator.dashboard")

TEXT_LIMIT = 4096
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

SCRIPT = b"""// onebox dashboard: send a handoff's reply box (CSRF double submit).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-handoff")) { return; }
    event.preventDefault();
    var id = form.getAttribute("data-handoff");
    var status = form.querySelector("output");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/api/handoffs/" + encodeURIComponent(id) + "/reply", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: form.elements.text.value, nonce: form.elements.nonce.value })
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { throw new Error(result.body.error || "refused"); }
        status.textContent = "Sent to the customer.";
        form.elements.text.value = "";
        form.elements.nonce.value = result.body.next_nonce;
        button.disabled = false;
      })
      .catch(function (error) { button.disabled = false; status.textContent = error.message; });
  });
})();
"""


class ReplyRequest(BaseModel):
    """A reply box's content."""

    text: str = Field(min_length=1, max_length=TEXT_LIMIT)
    nonce: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def render_handoffs(handoffs: list[Handoff], *, now: float, csrf: str) -> str:
    """The handoffs page (every value escaped)."""
    if handoffs:
        rows = "".join(_row(h, now=now) for h in handoffs)
        body = (
            '<table class="handoffs"><thead><tr><th>Handoff</th><th>Customer</th><th>Why</th>'
            "<th>Waiting</th><th>Last answer</th><th>Reply</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        body = '<p class="empty">No open handoffs: the bot answers every conversation.</p>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{escape(csrf)}">'
        "<title>onebox: handoffs</title>"
        '<link rel="stylesheet" href="/static/dashboard.css"><link rel="icon" href="data:,">'
        '</head><body><header><h1>onebox</h1><nav class="tabs"><a href="/">Dashboard</a>'
        '<a href="/handoffs" aria-current="page">Handoffs</a></nav></header>'
        f'<main id="handoffs" class="card"><h2>Open handoffs ({len(handoffs)})</h2>{body}</main>'
        '<script src="/handoffs.js" defer></script></body></html>'
    )


def _row(handoff: Handoff, *, now: float) -> str:
    name = handoff.customer_name or handoff.conversation_id
    last = (
        f"{minutes(now - handoff.last_operator_at)} ago"
        if handoff.last_operator_at is not None
        else "none yet"
    )
    if handoff.bot_off:
        last += " (bot off)"
    form = (
        f'<form data-handoff="{handoff.id}" method="post" '
        f'action="/api/handoffs/{handoff.id}/reply">'
        f'<input type="hidden" name="nonce" value="{secrets.token_urlsafe(16)}">'
        f'<label for="reply-{handoff.id}">Reply to {escape(name)}</label>'
        f'<textarea id="reply-{handoff.id}" name="text" maxlength="{TEXT_LIMIT}" required>'
        '</textarea><button type="submit">Send</button><output></output></form>'
    )
    return (
        f'<tr data-handoff-id="{handoff.id}"><td>#{handoff.id}</td>'
        f"<td>{escape(channel_name(handoff.channel))} · {escape(name)}</td>"
        f"<td>{escape(handoff.reason)}</td><td>{escape(minutes(now - handoff.opened_at))}</td>"
        f"<td>{escape(last)}</td><td>{form}</td></tr>"
    )


def dashboard_reply(
    desk: HandoffDesk, handoff: Handoff, text: str, *, now: float
) -> InboundMessage:
    """The operator-topic message a dashboard reply becomes (``#<id> <text>``)."""
    correlation_id = new_correlation_id()
    return InboundMessage(
        channel="telegram",
        conversation_id=desk.chat,
        sender_id=FROM_DASHBOARD,
        sender_name="dashboard",
        text=f"#{handoff.id} {text}",
        platform_message_id=f"{FROM_DASHBOARD}-{correlation_id}",
        received_at=now,
        correlation_id=correlation_id,
        meta={"source": FROM_DASHBOARD},
    )


def handoff_handlers(
    *, desk: HandoffDesk, access: Access, clock: Callable[[], float] = time.time
) -> list[ControllerRouterHandler]:
    """The handoff routes, to mount behind the dashboard's guard (`dashboard_handlers`)."""
    bus = desk.bus

    def error(text: str, status: int) -> Response[dict[str, Any]]:
        return Response({"error": text}, status_code=status, headers=HEADERS)

    @get("/handoffs", media_type="text/html")
    async def page(request: Request[Any, Any, Any]) -> Response[str]:
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if not access.csrf_valid(csrf, csrf):
            csrf = access.new_csrf()
        handoffs = await bus.run_async(desk.store.open_handoffs)
        html = render_handoffs(handoffs, now=clock(), csrf=csrf)
        cookie = Cookie(
            key=CSRF_COOKIE, value=csrf, httponly=True, samesite="strict",
            secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
        return Response(html, media_type="text/html", headers=HEADERS, cookies=[cookie])

    @get("/handoffs.js")
    async def script() -> Response[bytes]:
        return Response(SCRIPT, media_type="text/javascript", headers=HEADERS)

    @post("/api/handoffs/{handoff_id:int}/reply", status_code=202)
    async def reply(
        request: Request[Any, Any, Any], handoff_id: FromPath[int]
    ) -> Response[dict[str, Any]]:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not access.csrf_valid(cookie, request.headers.get(CSRF_HEADER, "")):
            log.warning("dashboard.csrf_refused")
            return error("CSRF token missing or wrong: reload the page", 403)
        try:
            data = ReplyRequest.model_validate_json(await request.body())
        except ValidationError:
            return error(f"give 'text' (1 to {TEXT_LIMIT} characters) and the form's 'nonce'", 400)
        if not data.text.strip():
            return error("the reply is empty: nothing was sent", 400)
        handoff = await bus.run_async(lambda: desk.store.get(handoff_id))
        if handoff is None:
            return error(f"there is no handoff #{handoff_id}", 404)
        if handoff.state != "open":
            return error(
                f"handoff #{handoff_id} is back with the bot: nothing was sent; the customer "
                "can ask for a person again",
                409,
            )
        message = dashboard_reply(desk, handoff, data.text.strip(), now=clock())
        await bus.run_async(
            lambda: bus.publish(
                OPERATOR,
                message.to_payload(),
                key=message.key,
                dedupe_key=f"dashboard-reply:{data.nonce}",
                correlation_id=message.correlation_id,
            )
        )
        log.info("dashboard.handoff_reply", handoff_id=handoff_id)
        body = {"queued": True, "handoff": handoff_id, "next_nonce": secrets.token_urlsafe(16)}
        return Response(body, status_code=202, headers=HEADERS)

    return [page, script, reply]
