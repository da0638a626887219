"""The app factory pieces every service shares: /health, /metrics, the admin guard, errors.

`create_service_app(runtime, route_handlers=[...], admin_handlers=[...])` builds the Litestar
app: the service's own routes, ``GET /health`` and ``GET /metrics``, the admin routes under
``/admin`` behind the bearer guard (left out entirely when no admin token is set), exception
handlers mapping `BusUnavailable` to 503 and `WebhookRejected` to its status, a catch-all that
logs any other error with its traceback and answers a bare 500 (never the request body), and
the runtime's lifespan. Domain errors become HTTP here and only here.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import hmac
from collections.abc import Sequence
from typing import Annotated, Any

import anyio.to_thread
import structlog
from litestar import Litestar, Request, Response, Router, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ControllerRouterHandler, Guard
from onebox_bus import BusUnavailable, PayloadError
from onebox_metrics import CONTENT_TYPE
from pydantic import SecretStr

from .errors import WebhookRejected
from .journal import journey_json, read_journey, slow_journeys
from .runtime import ServiceRuntime

log = structlog.get_logger("onebox.service.app")

RETRY_AFTER_SECONDS = 5


def make_admin_guard(token: SecretStr) -> Guard:
    """A guard admitting only ``Authorization: Bearer <token>`` (constant-time compare)."""
    expected = token.get_secret_value().encode()

    def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        header = connection.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise NotAuthorizedException(detail="admin token missing or wrong")

    return admin_guard


def _unavailable(_: Request[Any, Any, Any], exc: BusUnavailable) -> Response[dict[str, Any]]:
    log.warning("request.unavailable", error=str(exc))
    return Response(
        {"error": "database unavailable, retry later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _rejected(_: Request[Any, Any, Any], exc: WebhookRejected) -> Response[dict[str, Any]]:
    return Response({"error": exc.reason}, status_code=exc.status_code)


def _payload(_: Request[Any, Any, Any], exc: PayloadError) -> Response[dict[str, Any]]:
    return Response({"error": str(exc)[:200]}, status_code=413)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Any error no other handler maps: logged with its traceback, answered 500.

    The answer says nothing about the error or the request (no body, no exception text);
    the log line has the method, the path and the traceback, never the body.
    """
    log.error(
        "request.failed",
        method=request.method,
        path=request.url.path,
        error=type(exc).__name__,
        exc_info=exc,
    )
    return Response({"error": "internal error"}, status_code=500)


def health_handler(runtime: ServiceRuntime) -> ControllerRouterHandler:
    """``GET /health``: database, workers and queue age; 503 when unhealthy."""

    @get("/health", opt={"exclude_from_auth": True})
    async def health() -> Response[dict[str, Any]]:
        database: dict[str, Any] = {"ok": True}
        topics: dict[str, Any] = {}
        try:
            stats = await anyio.to_thread.run_sync(runtime.bus.stats)
        except Exception as exc:  # noqa: BLE001 - any database failure makes the service unhealthy
            database = {"ok": False, "error": type(exc).__name__}
        else:
            for topic in runtime.consumed_topics:
                entry = stats.get(topic)
                topics[topic] = {
                    "ready": entry.ready if entry else 0,
                    "claimed": entry.claimed if entry else 0,
                    "dead": entry.dead if entry else 0,
                    "oldest_ready_age_s": round(entry.oldest_ready_age_s, 3) if entry else 0.0,
                }
        workers = runtime.worker_health()
        healthy = database["ok"] and all(w.alive for w in workers)
        body = {
            "status": "ok" if healthy else "unhealthy",
            "service": runtime.service,
            "database": database,
            "workers": [
                {
                    "name": w.name,
                    "alive": w.alive,
                    "running": w.running,
                    "last_loop_age_s": round(w.last_loop_age_s, 3),
                }
                for w in workers
            ],
            "topics": topics,
        }
        return Response(body, status_code=200 if healthy else 503)

    return health


def metrics_handler(runtime: ServiceRuntime) -> ControllerRouterHandler:
    """``GET /metrics``: this process's live figures in Prometheus text format."""

    @get("/metrics")
    async def metrics() -> Response[bytes]:
        return Response(runtime.collector.render(), media_type=CONTENT_TYPE)

    return metrics


def trace_handlers(runtime: ServiceRuntime) -> list[ControllerRouterHandler]:
    """``GET /admin/trace/{correlation_id}`` (one journey) and ``GET /admin/trace?slow=5``."""

    @get("/trace/{correlation_id:str}")
    async def trace(correlation_id: Annotated[str, PathParameter()]) -> Response[dict[str, Any]]:
        await anyio.to_thread.run_sync(runtime.journal.flush)
        events = await anyio.to_thread.run_sync(lambda: read_journey(runtime.db, correlation_id))
        body = {"correlation_id": correlation_id, **journey_json(events)}
        return Response(body, status_code=200 if events else 404)

    @get("/trace")
    async def slow(
        slow: Annotated[float, QueryParameter()] = 5.0,
        hours: Annotated[float, QueryParameter()] = 24.0,
        limit: Annotated[int, QueryParameter()] = 50,
    ) -> dict[str, Any]:
        since = runtime.clock() - hours * 3600
        found = await anyio.to_thread.run_sync(
            lambda: slow_journeys(runtime.db, longer_than=slow, since=since, limit=limit)
        )
        return {
            "longer_than_s": slow,
            "messages": [
                {"correlation_id": j.correlation_id, "started_at": j.started_at,
                 "seconds": round(j.seconds, 3), "steps": j.steps}
                for j in found
            ],
        }  # fmt: skip

    return [trace, slow]


def create_service_app(
    runtime: ServiceRuntime,
    *,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    admin_handlers: Sequence[ControllerRouterHandler] = (),
    exception_handlers: dict[Any, Any] | None = None,
    **litestar_options: Any,
) -> Litestar:
    """Build a service's Litestar app around `runtime` (which the app's lifespan then owns).

    Args:
        runtime: from `open_runtime`, with the workers already added.
        route_handlers: the service's own routes (webhooks: declare them with `webhook_post`).
        admin_handlers: routes mounted under ``/admin`` behind the bearer guard; not mounted
            at all when ``ONEBOX_ADMIN_TOKEN`` is unset. ``/admin/trace`` (message journeys)
            is always added beside them.
        exception_handlers: extra handlers, merged over the kit's.
        litestar_options: passed to `Litestar` (``debug``, ``middleware``, ...).
    """
    handlers: list[ControllerRouterHandler] = [
        health_handler(runtime),
        metrics_handler(runtime),
        *route_handlers,
    ]
    token = runtime.settings.admin_token
    if token is not None and token.get_secret_value():
        admin = [*admin_handlers, *trace_handlers(runtime)]
        handlers.append(Router("/admin", route_handlers=admin, guards=[make_admin_guard(token)]))
    errors: dict[Any, Any] = {
        # Litestar gives the 500 handler every exception no class handler takes.
        HTTP_500_INTERNAL_SERVER_ERROR: _unexpected,
        BusUnavailable: _unavailable,
        WebhookRejected: _rejected,
        PayloadError: _payload,
    }
    errors.update(exception_handlers or {})
    app = Litestar(
        route_handlers=handlers,
        exception_handlers=errors,
        lifespan=[runtime.lifespan],
        logging_config=None,
        **litestar_options,
    )
    app.state["runtime"] = runtime
    return app
