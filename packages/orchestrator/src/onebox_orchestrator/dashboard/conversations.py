"""The owner's conversations: the list and each thread, as pages and as JSON.

- ``GET /conversations`` and ``GET /api/conversations``: conversations active within the
  retention, newest first; filters ``channel``, ``state`` (``bot``, ``handoff``, ``closed``),
  ``q`` (text in a message or the customer's name), paging ``limit`` (1-200, default 50) and
  ``offset``;
- ``GET /conversations/{id}`` and ``GET /api/conversations/{id}``: the whole kept thread in
  order, each message with its time and, for a reply, how it was made.

They sit behind the dashboard's guard (`access`): only the signed-in owner sees message text.
A bad parameter is a 400 naming it; an unknown conversation a 404.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

import anyio.to_thread
import orjson
from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from onebox_orchestrator.conversations import (
    STATES,
    ConversationReader,
    ConversationRow,
    Thread,
    ThreadTurn,
)

from .layout import BadQuery, channel, document, number, origin_label, stamp, text_query

PAGE_SIZE = 50
STATE_LABELS = {"bot": "bot", "handoff": "with a person", "closed": "closed by a person"}


def _filters(params: Mapping[str, str]) -> dict[str, Any]:
    state = params.get("state") or None
    if state is not None and state not in STATES:
        raise BadQuery(f"'state' must be one of {', '.join(STATES)}, got {state[:20]!r}")
    return {
        "channel": channel(params),
        "state": state,
        "q": text_query(params),
        "limit": number(params, "limit", default=PAGE_SIZE, low=1, high=200),
        "offset": number(params, "offset", default=0, low=0, high=1_000_000),
    }


def _who(row: ConversationRow) -> str:
    return row.customer_name or row.key


def _list_html(rows: list[ConversationRow], filters: dict[str, Any]) -> str:
    options = "".join(
        f'<option value="{s}"{" selected" if filters["state"] == s else ""}>'
        f"{escape(STATE_LABELS[s])}</option>"
        for s in STATES
    )
    form = (
        '<form class="filters card" method="get" action="/conversations">'
        '<input type="search" name="q" placeholder="Search messages or names" '
        f'value="{escape(filters["q"] or "")}" aria-label="Search">'
        '<input name="channel" placeholder="channel" aria-label="Channel" '
        f'value="{escape(filters["channel"] or "")}">'
        f'<select name="state" aria-label="State"><option value="">any state</option>{options}'
        '</select><button type="submit">Show</button></form>'
    )
    items = "".join(
        f'<li class="card convo" data-id="{escape(r.key)}" data-state="{escape(r.state)}">'
        f'<a href="/conversations/{escape(quote(r.key, safe=""))}">'
        f"<strong>{escape(_who(r))}</strong></a>"
        f' <span class="badge {escape(r.state)}">{escape(STATE_LABELS[r.state])}</span>'
        f' <span class="muted">{escape(r.channel)} · {stamp(r.last_at)}</span>'
        f'<p class="snippet">{escape(r.last_text)}</p></li>'
        for r in rows
    )
    listing = (
        f'<ul class="convos">{items}</ul>' if rows else '<p class="muted">No conversations.</p>'
    )
    more = ""
    if len(rows) == filters["limit"]:
        query = {k: v for k, v in filters.items() if v not in (None, "")}
        query["offset"] = filters["offset"] + filters["limit"]
        more = f'<p><a href="/conversations?{escape(urlencode(query))}">Older conversations</a></p>'
    return document("conversations", "/conversations", f"<main>{form}{listing}{more}</main>")


def _fate(turn: ThreadTurn) -> str:
    """`` · not delivered: why`` for an operator's reply that did not reach the customer."""
    if turn.delivery == "failed":
        why = f": {turn.delivery_error}" if turn.delivery_error else ""
        return f' · <strong class="failed">not delivered{escape(why)}</strong>'
    if turn.delivery == "pending":
        return " · not sent yet"
    return ""


def _thread_html(thread: Thread) -> str:
    row = thread.conversation
    bubbles = "".join(
        f'<li class="msg {"them" if t.role == "user" else "us"}" '
        f'data-origin="{escape(t.origin or "")}">'
        f'<p class="text">{escape(t.text)}</p>'
        f'<p class="meta">{stamp(t.at)} · {escape(origin_label(t.origin, t.provider, t.model))}'
        f"{_fate(t)}</p></li>"
        for t in thread.turns
    )
    cut = '<p class="muted">Only the newest messages are shown.</p>' if thread.truncated else ""
    head = (
        f"<h2>{escape(_who(row))}</h2>"
        f'<p class="muted">{escape(row.channel)} · {escape(row.key)} · '
        f'<span class="badge {escape(row.state)}">{escape(STATE_LABELS[row.state])}</span></p>'
    )
    body = (
        f'<main><section class="card">{head}{cut}<ol class="thread">{bubbles}</ol></section></main>'
    )
    return document(f"conversation with {_who(row)}", "/conversations", body)


def conversation_handlers(
    reader: ConversationReader, *, headers: Mapping[str, str]
) -> list[ControllerRouterHandler]:
    """The conversations' routes (mount them behind the dashboard's guard)."""
    headers = dict(headers)

    def bad(exc: BadQuery, *, html: bool) -> Response[Any]:
        if html:
            return Response(str(exc), status_code=400, media_type="text/plain", headers=headers)
        return Response({"error": str(exc)}, status_code=400, headers=headers)

    async def listed(
        request: Request[Any, Any, Any],
    ) -> tuple[list[ConversationRow], dict[str, Any]]:
        filters = _filters(request.query_params)
        rows = await anyio.to_thread.run_sync(lambda: reader.listing(**filters))
        return rows, filters

    @get("/conversations", media_type="text/html")
    async def page(request: Request[Any, Any, Any]) -> Response[str]:
        try:
            rows, filters = await listed(request)
        except BadQuery as exc:
            return bad(exc, html=True)
        return Response(_list_html(rows, filters), media_type="text/html", headers=headers)

    @get("/api/conversations")
    async def api_list(request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            rows, filters = await listed(request)
        except BadQuery as exc:
            return bad(exc, html=False)
        more = len(rows) == filters["limit"]
        body = {
            "conversations": [r.as_json() for r in rows],
            "limit": filters["limit"],
            "offset": filters["offset"],
            "next_offset": filters["offset"] + filters["limit"] if more else None,
        }
        return Response(orjson.dumps(body), media_type="application/json", headers=headers)

    async def thread_of(key: str) -> Thread | None:
        return await anyio.to_thread.run_sync(lambda: reader.thread(key[:1024]))

    @get("/conversations/{key:str}", media_type="text/html")
    async def thread_page(key: FromPath[str]) -> Response[str]:
        thread = await thread_of(key)
        if thread is None:
            return Response(
                "no such conversation (or nothing of it is kept)", status_code=404,
                media_type="text/plain", headers=headers,
            )  # fmt: skip
        return Response(_thread_html(thread), media_type="text/html", headers=headers)

    @get("/api/conversations/{key:str}")
    async def api_thread(key: FromPath[str]) -> Response[Any]:
        thread = await thread_of(key)
        if thread is None:
            return Response(
                {"error": "no such conversation (or nothing of it is kept)"},
                status_code=404, headers=headers,
            )  # fmt: skip
        body = orjson.dumps(thread.as_json())
        return Response(body, media_type="application/json", headers=headers)

    return [page, api_list, thread_page, api_thread]
