"""Serving a service: uvicorn on host:port, one process, with sd_notify around it.

`run(app, settings)` serves until SIGTERM/SIGINT, with the limits every service needs facing
the internet through a proxy: a header timeout (`onebox_service.protocol`), an idle
keep-alive timeout and a cap on connections (503 above it), all from the settings.
READY=1 goes out once uvicorn has bound the port (the lifespan has by then started the
workers); SIGTERM makes uvicorn stop
accepting, finish open requests and run the lifespan's shutdown, which says STOPPING=1 and
drains the workers. Watchdog pings come from the runtime while its workers are alive.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import structlog
import uvicorn
from litestar import Litestar

from .notify import SystemdNotifier
from .protocol import header_timeout_protocol
from .settings import ServiceSettings

log = structlog.get_logger("onebox.service.runner")


def _notifier(app: Litestar) -> SystemdNotifier:
    runtime = app.state.get("runtime")
    notifier = getattr(runtime, "notifier", None)
    return notifier if isinstance(notifier, SystemdNotifier) else SystemdNotifier(None)


async def serve(app: Litestar, settings: ServiceSettings, **uvicorn_options: Any) -> None:
    """Serve `app` on ``settings.host:settings.port`` until a stop signal."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "server_header": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        "timeout_keep_alive": settings.http_keepalive_seconds,
        "limit_concurrency": settings.http_max_connections,
        "http": header_timeout_protocol(settings.http_header_timeout_seconds),
    }
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    notifier = _notifier(app)
    task = asyncio.create_task(server.serve())
    # uvicorn offers no event for "bound"; poll its flag while the server task runs.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    if server.started:
        port = settings.port
        for srv in getattr(server, "servers", []):
            for sock in srv.sockets:
                port = sock.getsockname()[1]
        frozen = settle_heap()
        notifier.ready()
        log.info("service.ready", host=settings.host, port=port, frozen_objects=frozen)
    await task
    if not server.started:
        log.error("service.start_failed", host=settings.host, port=settings.port)
        raise SystemExit(1)


def settle_heap() -> int:
    """Move everything alive after start-up out of the collector's sight.

    A service imports Litestar, SQLAlchemy, httpx and their kin: several hundred thousand
    objects that live as long as the process. Left in the oldest generation, each full
    collection walks all of them (about 50 ms on the reference VM, stalling every request
    in flight). Frozen, a full collection walks only what was made since. Returns how many
    objects were frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def run(app: Litestar, settings: ServiceSettings, **uvicorn_options: Any) -> None:
    """Serve `app` in this process until SIGTERM (then drain and return)."""
    asyncio.run(serve(app, settings, **uvicorn_options))
