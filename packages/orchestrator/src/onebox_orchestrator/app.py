"""The orchestrator's Litestar app, built on the service kit.

`create_app` wires the kit's runtime (bus, engine, collector, notifier, lifespan) and the
router into the inbound handler, adds the `inbound` consumer and the retention sweep as
lifespan workers, and mounts the kit's /health and /metrics, this package's admin routes and
the dashboard (``/``, ``/api/summary``: `onebox_orchestrator.dashboard`).

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import time
from collections.abc import Callable

from litestar import Litestar
from litestar.di import Provide
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND
from onebox_router import Router
from onebox_service import ServiceRuntime, create_service_app, open_runtime

from .access import Access
from .admin import admin_handlers
from .dashboard import dashboard_handlers, provider_budgets, worker_health
from .handler import InboundHandler, ReplyRouter
from .holding import HoldingReplies
from .instruments import Instruments
from .memory import ConversationMemory
from .persona import Personas
from .settings import OrchestratorSettings
from .summary import record_process_start
from .workers import RetentionSweeper, inbound_lease

SERVICE = "orchestrator"


def create_app(
    settings: OrchestratorSettings,
    *,
    router: ReplyRouter,
    runtime: ServiceRuntime | None = None,
    personas: Personas | None = None,
    holding: HoldingReplies | None = None,
    clock: Callable[[], float] = time.time,
) -> Litestar:
    """Build the orchestrator's app; its lifespan runs the workers and closes the runtime.

    Args:
        settings: the validated settings.
        router: answers conversations (`onebox_router.Router`); the caller closes it.
        runtime: the kit's runtime (default: `open_runtime(settings)`, which checks the schema).
        personas: system prompts per channel (default: the shipped ones).
        holding: what the bot says when it cannot answer (default: no business file, no
            operator told, so no person promised).
        clock: the time source for deadlines and latency.
    """
    if runtime is None:
        runtime = open_runtime(settings, service=SERVICE, clock=clock)
    bus = runtime.bus
    memory = ConversationMemory(
        runtime.db,
        max_turns=settings.history_turns,
        retention=settings.history_retention_days * 86400.0,
        clock=clock,
    )
    handler = InboundHandler(
        bus=bus,
        router=router,
        memory=memory,
        personas=personas or Personas(business=settings.business_name),
        deadline_seconds=settings.deadline_seconds,
        clock=clock,
        instruments=Instruments(runtime.collector),
        log_text=settings.log_message_text,
        journal=runtime.journal,
        holding=(holding or HoldingReplies(clock=clock)).reply,
    )
    runtime.add_consumer(
        INBOUND,
        handler,
        name="inbound",
        concurrency=settings.max_concurrency,
        lease=inbound_lease(settings.deadline_seconds, settings.lease_seconds),
        min_poll=0.005,
        max_poll=settings.idle_poll_seconds,
    )
    runtime.add_worker(RetentionSweeper(memory))
    if isinstance(router, Router):
        runtime.vitals.watch_providers(lambda: router.states)
    if runtime.collector is not None:
        record_process_start(runtime.collector, clock())

    def provide_bus() -> Bus:
        return bus

    def provide_memory() -> ConversationMemory:
        return memory

    startup: list[Callable[[], None]] = []
    dashboard = dashboard_handlers(
        engine=runtime.engine,
        bus=bus,
        access=Access(
            host=settings.host,
            token=settings.admin_token,
            public_hosts=settings.public_host.split(","),
            clock=clock,
        ),
        budgets=provider_budgets(router),
        workers=worker_health(runtime),
        clock=clock,
        on_startup=startup,
    )
    return create_service_app(
        runtime,
        route_handlers=dashboard,
        admin_handlers=admin_handlers(),
        on_startup=startup,
        dependencies={
            "bus": Provide(provide_bus, sync_to_thread=False),
            "memory": Provide(provide_memory, sync_to_thread=False),
        },
    )
