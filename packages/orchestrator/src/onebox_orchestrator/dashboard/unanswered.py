"""The questions the bot could not answer, and teaching it the answer in one step.

- ``GET /unanswered`` and ``GET /api/unanswered``: the open groups (``?answered=1``: the
  answered ones), most asked first, each with its count, first and last time, an example and
  the wording that becomes the FAQ question; paging ``limit`` and ``offset``;
- ``POST /api/unanswered/{group}/answer`` with ``{"answer": "...", "question": "..."}``
  (``question`` optional: the group's oldest kept wording): the answer becomes an FAQ entry
  (`Teacher`) and the group is marked answered. It needs the CSRF token in the cookie and the
  ``X-CSRF-Token`` header, like every state-changing request of the dashboard.

Bad input gets a 4xx naming the problem, and nothing is written: a body over `MAX_BODY`
(413), an empty answer or one the FAQ store refuses (400), an unknown group (404), a group
already answered (409). An answer holding HTML is stored as written and shown escaped.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import anyio.to_thread
import orjson
import structlog
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel, ValidationError

from onebox_orchestrator.questions import QuestionGroup, QuestionGroups

from .layout import BadQuery, document, number, stamp

log = structlog.get_logger("onebox.orchestrator.dashboard")

MAX_BODY = 32 * 1024
"""The largest answer request taken (bytes of JSON): an FAQ answer is a paragraph or two."""


Teacher = Callable[[str, str], str]
"""Stores ``(question, answer)`` as an FAQ entry the bot answers from on the next message and
returns its id; raises ValueError naming what is wrong (`onebox_router.FaqError`)."""


class AnswerRequest(BaseModel):
    """The owner's answer to a group."""

    answer: str
    question: str | None = None


def _groups_html(groups: list[QuestionGroup], *, answered: bool, csrf: str) -> str:
    def item(g: QuestionGroup) -> str:
        seen = f"{g.count} × · first {stamp(g.first_at)} · last {stamp(g.last_at)}"
        if answered:
            action = (
                f'<p class="good">Answered {stamp(g.answered_at or g.last_at)}</p>'
                f'<p class="answer">{escape(g.answer or "")}</p>'
            )
        else:
            action = (
                f'<form class="teach" data-group="{g.id}">'
                f'<label for="answer-{g.id}">Answer (becomes an FAQ entry)</label>'
                f'<textarea id="answer-{g.id}" name="answer" rows="3" required></textarea>'
                '<button type="submit">Teach the bot</button></form>'
            )
        other = (
            f'<p class="muted">First asked as: {escape(g.question)}</p>'
            if g.question != g.example
            else ""
        )
        return (
            f'<li class="card group" data-group="{g.id}" data-count="{g.count}">'
            f'<p class="question">{escape(g.example)}</p>{other}'
            f'<p class="muted">{seen}</p>{action}</li>'
        )

    switch = (
        '<p><a href="/unanswered">Open questions</a></p>'
        if answered
        else '<p><a href="/unanswered?answered=1">Answered questions</a></p>'
    )
    title = "Answered questions" if answered else "Questions the bot could not answer"
    items = "".join(item(g) for g in groups)
    listing = f'<ul class="groups">{items}</ul>' if groups else '<p class="muted">None.</p>'
    body = (
        f"<main><h2>{escape(title)}</h2>{switch}"
        '<p id="flash" class="flash" role="status" aria-live="polite"></p>'
        f"{listing}</main>"
        '<script src="/static/owner.js" defer></script>'
    )
    return document("unanswered", "/unanswered", body, csrf=csrf)


def unanswered_handlers(
    questions: QuestionGroups,
    *,
    teach: Teacher | None,
    headers: Mapping[str, str],
    csrf_ok: Callable[[Request[Any, Any, Any]], bool],
    new_csrf: Callable[[Request[Any, Any, Any]], tuple[str, Cookie]],
) -> list[ControllerRouterHandler]:
    """The unanswered routes (mount them behind the dashboard's guard).

    Args:
        questions: the groups.
        teach: stores an FAQ entry (None: answering says the FAQ store is not available).
        headers: the dashboard's security headers.
        csrf_ok: whether a request carries a valid CSRF token (cookie and header).
        new_csrf: the CSRF token a page embeds and the cookie that carries it.
    """
    headers = dict(headers)

    def error(status: int, text: str) -> Response[Any]:
        return Response({"error": text}, status_code=status, headers=headers)

    def paging(request: Request[Any, Any, Any]) -> dict[str, Any]:
        params = request.query_params
        answered = params.get("answered", "0")
        if answered not in ("0", "1"):
            raise BadQuery("'answered' must be 0 or 1")
        return {
            "answered": answered == "1",
            "limit": number(params, "limit", default=50, low=1, high=200),
            "offset": number(params, "offset", default=0, low=0, high=1_000_000),
        }

    @get("/unanswered", media_type="text/html")
    async def page(request: Request[Any, Any, Any]) -> Response[str]:
        try:
            query = paging(request)
        except BadQuery as exc:
            return Response(str(exc), status_code=400, media_type="text/plain", headers=headers)
        groups = await anyio.to_thread.run_sync(lambda: questions.listing(**query))
        csrf, cookie = new_csrf(request)
        html = _groups_html(groups, answered=query["answered"], csrf=csrf)
        return Response(html, media_type="text/html", headers=headers, cookies=[cookie])

    @get("/api/unanswered")
    async def api_list(request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            query = paging(request)
        except BadQuery as exc:
            return error(400, str(exc))
        groups = await anyio.to_thread.run_sync(lambda: questions.listing(**query))
        body = {"groups": [g.as_json() for g in groups], **query}
        return Response(orjson.dumps(body), media_type="application/json", headers=headers)

    @post("/api/unanswered/{group:int}/answer", status_code=200)
    async def answer(request: Request[Any, Any, Any], group: FromPath[int]) -> Response[Any]:
        if not csrf_ok(request):
            log.warning("dashboard.csrf_refused")
            return error(403, "CSRF token missing or wrong: reload the page")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return error(413, f"the answer is too long: at most {MAX_BODY // 1024} KB")
        try:
            data = AnswerRequest.model_validate_json(raw)
        except ValidationError:
            return error(400, "give a JSON object with 'answer' (text) and optionally 'question'")
        if not data.answer.strip():
            return error(400, "the answer is empty")
        found = await anyio.to_thread.run_sync(lambda: questions.get(group))
        if found is None:
            return error(404, f"no unanswered group {group}")
        if found.answered_at is not None:
            return error(409, f"group {group} is already answered")
        if teach is None:
            return error(503, "the FAQ store is not available in this build")
        question = (data.question or found.question).strip()
        if not question:
            return error(400, "the question is empty")
        try:
            faq_id = await anyio.to_thread.run_sync(lambda: teach(question, data.answer))
        except ValueError as exc:
            return error(400, str(exc))
        marked = await anyio.to_thread.run_sync(
            lambda: questions.db.write(
                lambda conn: questions.mark_answered(
                    conn, group, faq_id=faq_id, answer=data.answer.strip()
                )
            )
        )
        log.info("dashboard.taught", group=group, faq_id=faq_id, marked=marked)
        return Response({"group": group, "faq_id": faq_id, "answered": True}, headers=headers)

    return [page, api_list, answer]
