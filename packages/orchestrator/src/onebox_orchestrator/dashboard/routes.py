"""The dashboard's routes on the orchestrator: the page, its JSON, the login and the replay.

- ``GET /``: the page (``?window=hour|day|month``, default ``day``);
- ``GET /fragment``: only its ``<main>``, which the page's script swaps in every few seconds;
- ``GET /api/summary``: the same figures as JSON;
- ``POST /api/replay``: ``{"ids": [...]}`` makes those dead letters ready again (CSRF token
  required in the cookie and the ``X-CSRF-Token`` header);
- ``GET/POST /login``: the admin-token form setting an HttpOnly, SameSite=Strict cookie
  (failed attempts limited per client and overall: 429 with ``Retry-After``);
- ``GET /cache``, ``POST /api/cache/{id}/forget``...: the most reused cached answers
  (`onebox_orchestrator.dashboard.cache`);
- ``GET /static/dashboard.css|js``, ``owner.js``: our stylesheet and scripts (public, nothing
  secret);
- the owner's view (`conversations`, `unanswered`): ``/conversations``, ``/unanswered``, their
  ``/api/...`` JSON and ``POST /api/unanswered/{group}/answer`` (CSRF as replay).

A request whose ``Host`` is neither a loopback name nor the configured public name is refused
with 403 (DNS rebinding). Without access (see `onebox_orchestrator.dashboard.access`) the page
answers 401 with the login form and the API 401 JSON. Responses carry a
Content-Security-Policy allowing only our own files.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
import orjson
import structlog
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from onebox_bus import Bus
from onebox_router import Router as OneboxRouter
from onebox_service import ServiceRuntime
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Engine

from onebox_orchestrator.conversations import ConversationReader
from onebox_orchestrator.questions import QuestionGroups

from .access import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Access,
    LoginLimiter,
)
from .cache import cache_handlers
from .conversations import conversation_handlers
from .figures import Summary, WorkerState
from .page import render_content, render_login, render_page
from .summary import WINDOWS, SummaryReader
from .unanswered import Teacher, unanswered_handlers

log = structlog.get_logger("onebox.orchestrator.dashboard")

DEFAULT_WINDOW = "day"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript",
    "owner.js": "text/javascript",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerView:
    """What the owner's pages read and write: conversations, unanswered groups, the FAQ."""

    conversations: ConversationReader
    questions: QuestionGroups
    teach: Teacher | None = None


class ReplayRequest(BaseModel):
    """The dead letters to replay."""

    ids: list[int] = Field(min_length=1, max_length=1000)


def _window(request: Request[Any, Any, Any]) -> str:
    window = request.query_params.get("window", DEFAULT_WINDOW)
    return window if window in WINDOWS else DEFAULT_WINDOW


def _warm_in_background(
    reader: SummaryReader, threads: list[threading.Thread] | None = None
) -> None:
    """Read every window once in a side thread, so the first visitor gets a warm page.

    The first read after a start covers 30 days of metrics (the slowest render:
    ``bench/dashboard.py``); later reads only add the newest slots. Failures are logged,
    never raised: the page then simply warms on its first visit.
    """

    def warm() -> None:
        try:
            reader.read()
        except Exception as exc:  # noqa: BLE001 - a warm-up must never take the service down
            log.warning("dashboard.warm_failed", error=type(exc).__name__)
        else:
            log.info("dashboard.warm")

    thread = threading.Thread(target=warm, name="onebox-dashboard-warm", daemon=True)
    if threads is not None:
        threads.append(thread)  # joined before the database closes (`ServiceRuntime.close`)
    thread.start()


def _secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https"


def _peer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.client.host if connection.client is not None else None


FOREIGN_HOST = "unknown Host: open the dashboard by a loopback name or ONEBOX_PUBLIC_HOST"


def dashboard_handlers(
    *,
    engine: Engine,
    bus: Bus,
    access: Access,
    budgets: Mapping[str, float | None] | None = None,
    workers: Callable[[], list[WorkerState]] | None = None,
    clock: Callable[[], float] = time.time,
    on_startup: list[Callable[[], None]] | None = None,
    side_threads: list[threading.Thread] | None = None,
    limiter: LoginLimiter | None = None,
    owner: OwnerView | None = None,
    extra: Sequence[ControllerRouterHandler] = (),
) -> list[ControllerRouterHandler]:
    """The dashboard's routes, for `create_service_app(route_handlers=...)`.

    Args:
        engine: an engine on the shared database (metrics and router tables).
        bus: the bus (queue, dead letters, replay).
        access: who may see the page.
        budgets: each provider's monthly budget in USD.
        workers: this process's worker health.
        clock: the time source.
        side_threads: the warm-up thread is added here, for the runtime to join before it
            closes the database.
        limiter: limits failed sign-ins (default: `LoginLimiter` on `clock`).
        owner: the conversations and unanswered questions (None: those pages are not mounted).
        extra: more pages behind the same guard (the handoffs: `handoffs.handoff_handlers`).
    """
    limiter = limiter or LoginLimiter(clock=clock)
    reader = SummaryReader(engine, bus=bus, budgets=budgets, workers=workers, clock=clock)
    if on_startup is not None:
        on_startup.append(lambda: _warm_in_background(reader, side_threads))
    files = {
        name: resources.files(__package__).joinpath("static", name).read_bytes() for name in STATIC
    }

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not access.host_allowed(connection.headers.get("host")):
            log.warning("dashboard.foreign_host")
            raise PermissionDeniedException(detail=FOREIGN_HOST)
        if not access.allowed(connection.headers, connection.cookies, peer=_peer(connection)):
            raise NotAuthorizedException(detail="admin token missing or wrong")

    def foreign(request: Request[Any, Any, Any]) -> Response[str] | None:
        if access.host_allowed(request.headers.get("host")):
            return None
        log.warning("dashboard.foreign_host")
        return Response(FOREIGN_HOST, status_code=403, media_type="text/plain")

    def unauthorized(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
        if request.url.path.startswith("/api/"):
            return Response(
                {"error": "admin token missing or wrong"},
                status_code=401,
                headers={**SECURITY_HEADERS, "WWW-Authenticate": "Bearer"},
            )
        html = render_login(configured=access.configured)
        return Response(html, status_code=401, media_type="text/html", headers=SECURITY_HEADERS)

    async def summary() -> Summary:
        return await anyio.to_thread.run_sync(reader.read)

    def csrf_for(request: Request[Any, Any, Any]) -> tuple[str, Cookie]:
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if not access.csrf_valid(csrf, csrf):
            csrf = access.new_csrf()
        cookie = Cookie(
            key=CSRF_COOKIE, value=csrf, httponly=True, samesite="strict",
            secure=_secure(request), path="/",
        )  # fmt: skip
        return csrf, cookie

    def csrf_ok(request: Request[Any, Any, Any]) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return access.csrf_valid(cookie, request.headers.get(CSRF_HEADER, ""))

    @get("/", media_type="text/html")
    async def page(request: Request[Any, Any, Any]) -> Response[str]:
        csrf, cookie = csrf_for(request)
        html = render_page(
            await summary(), window=_window(request), csrf=csrf, handoffs=bool(extra)
        )
        return Response(html, media_type="text/html", headers=SECURITY_HEADERS, cookies=[cookie])

    @get("/fragment", media_type="text/html")
    async def fragment(request: Request[Any, Any, Any]) -> Response[str]:
        html = render_content(await summary(), window=_window(request))
        return Response(html, media_type="text/html", headers=SECURITY_HEADERS)

    @get("/api/summary")
    async def api_summary() -> Response[bytes]:
        body = orjson.dumps((await summary()).as_json())
        return Response(body, media_type="application/json", headers=SECURITY_HEADERS)

    @post("/api/replay", status_code=200)
    async def replay(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        if not csrf_ok(request):
            log.warning("dashboard.csrf_refused")
            return Response(
                {"error": "CSRF token missing or wrong: reload the page"}, status_code=403
            )
        try:
            data = ReplayRequest.model_validate_json(await request.body())
        except ValidationError:
            return Response({"error": "give 'ids': a list of dead letter ids"}, status_code=400)
        count = await anyio.to_thread.run_sync(lambda: bus.replay_dead(data.ids))
        log.info("dashboard.replayed", ids=data.ids, replayed=count)
        return Response({"replayed": count}, headers=SECURITY_HEADERS)

    cached = cache_handlers(bus=bus, access=access, headers=SECURITY_HEADERS, clock=clock)
    owned: list[ControllerRouterHandler] = []
    if owner is not None:
        owned += conversation_handlers(owner.conversations, headers=SECURITY_HEADERS)
        owned += unanswered_handlers(
            owner.questions, teach=owner.teach, headers=SECURITY_HEADERS,
            csrf_ok=csrf_ok, new_csrf=csrf_for,
        )  # fmt: skip
    protected = Router(
        "/",
        route_handlers=[page, fragment, api_summary, replay, *cached, *owned, *extra],
        guards=[guard],
        exception_handlers={NotAuthorizedException: unauthorized},
    )

    @get("/login", media_type="text/html")
    async def login_form(request: Request[Any, Any, Any]) -> Response[str]:
        if (refused := foreign(request)) is not None:
            return refused
        html = render_login(configured=access.configured)
        return Response(html, media_type="text/html", headers=SECURITY_HEADERS)

    @post("/login", media_type="text/html", status_code=303)
    async def login(request: Request[Any, Any, Any]) -> Response[str]:
        if (refused := foreign(request)) is not None:
            return refused
        client = _peer(request) or "unknown"
        wait = limiter.retry_after(client)
        if wait > 0:
            log.warning("dashboard.login_limited")
            return Response(
                "too many failed sign-ins: try again later",
                status_code=429,
                media_type="text/plain",
                headers={**SECURITY_HEADERS, "Retry-After": str(max(1, round(wait)))},
            )
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        if not access.token_matches(given):
            limiter.failed(client)
            log.warning("dashboard.login_failed")
            html = render_login(failed=True, configured=access.configured)
            return Response(html, status_code=401, media_type="text/html", headers=SECURITY_HEADERS)
        session = Cookie(
            key=SESSION_COOKIE, value=access.new_session(), httponly=True, samesite="strict",
            secure=_secure(request), path="/", max_age=SESSION_SECONDS,
        )  # fmt: skip
        log.info("dashboard.login")
        return Response(
            "", status_code=303, headers={"Location": "/", **SECURITY_HEADERS}, cookies=[session]
        )

    @get("/static/{name:str}")
    async def static(name: FromPath[str]) -> Response[bytes]:
        if name not in files:
            return Response(b"not found", status_code=404, media_type="text/plain")
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
        return Response(files[name], media_type=STATIC[name], headers=headers)

    return [protected, login_form, login, static]


def provider_budgets(router: object) -> dict[str, float | None]:
    """Each provider's monthly budget, when `router` is an `onebox_router.Router`."""
    if not isinstance(router, OneboxRouter):
        return {}
    return {name: state.config.monthly_budget_usd for name, state in router.states.items()}


def worker_health(runtime: ServiceRuntime) -> Callable[[], list[WorkerState]]:
    """This process's worker health as the summary shows it."""

    def read() -> list[WorkerState]:
        return [
            WorkerState(
                name=w.name,
                alive=w.alive,
                running=w.running,
                last_loop_age_s=round(w.last_loop_age_s, 3),
            )
            for w in runtime.worker_health()
        ]

    return read
