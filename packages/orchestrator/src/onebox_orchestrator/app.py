"""The orchestrator's Litestar app, built on the service kit.

`create_app` wires the kit's runtime (bus, engine, collector, notifier, lifespan) and the
router into the inbound handler, adds the `inbound` consumer and the retention sweep as
lifespan workers (and, with an operator chat, the ``operator`` consumer, the handoff
desk and its idle timer), and mounts the kit's /health and /metrics, this package's admin routes and
the dashboard (``/``, ``/api/summary``: `onebox_orchestrator.dashboard`).

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import time
from collections.abc import Callable

import structlog
from litestar import Litestar
from litestar.di import Provide
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, OPERATOR
from onebox_router import FaqStore, LiveFaq, Router, StoredFaq, faq_store
from onebox_service import ServiceRuntime, create_service_app, open_runtime
from onebox_service.retention import RetentionWorker

from .admin import admin_handlers
from .answering import ReplyRouter
from .conversations import ConversationReader
from .dashboard import (
    Access,
    OwnerView,
    dashboard_handlers,
    provider_budgets,
    record_process_start,
    worker_health,
)
from .dashboard.handoffs import handoff_handlers
from .desk import HandoffDesk
from .escalation import EscalationRules
from .gathering import BurstGate, BurstWatch
from .handler import InboundHandler
from .handoffs import HandoffStore
from .holding import HoldingReplies
from .idle import IDLE_EVERY, IdleResumer
from .instruments import Instruments
from .memory import ConversationMemory
from .operators import OperatorHandler
from .persona import FAQ_LIMIT, Personas, faq_text
from .questions import QuestionGroups
from .retention import all_purges
from .settings import OrchestratorSettings
from .signals import TypingSignals
from .workers import inbound_lease

SERVICE = "orchestrator"
log = structlog.get_logger("onebox.orchestrator")


def teacher(store: FaqStore) -> Callable[[str, str], str]:
    """The owner's answer as an FAQ entry in `store`; returns the entry's id."""

    def teach(question: str, answer: str) -> str:
        return str(store.add(question, answer).id)

    return teach


def create_app(
    settings: OrchestratorSettings,
    *,
    router: ReplyRouter,
    runtime: ServiceRuntime | None = None,
    personas: Personas | None = None,
    holding: HoldingReplies | None = None,
    clock: Callable[[], float] = time.time,
    faq: LiveFaq | None = None,
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
        faq: the database's FAQ (`onebox_router.open_faq`, given to the router too): the
            personas' FAQ text follows it from the next message after an owner's edit.
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
    retention = settings.history_retention_days * 86400.0
    questions = QuestionGroups(runtime.db, retention=retention, clock=clock)
    holding = holding or HoldingReplies(clock=clock)
    desk = None
    if settings.operator_chat_id is not None and settings.handoff_enabled:
        business = holding.business
        desk = HandoffDesk(
            bus=bus,
            store=HandoffStore(runtime.db, clock=clock),
            memory=memory,
            deliveries=runtime.deliveries,
            operator_chat_id=settings.operator_chat_id,
            holding=holding,
            rules=EscalationRules.from_handoff(business.handoff if business else None),
            idle_seconds=60.0 * (business.handoff.idle_minutes if business else 30),
            clock=clock,
            topics=settings.operator_topics,
        )
    lease = inbound_lease(settings.deadline_seconds, settings.lease_seconds)
    watch = BurstWatch(bus, clock=clock)
    gate = BurstGate(
        bus=bus, policy=settings.burst_policy_value(), lease=lease, clock=clock, watch=watch
    )
    typing = TypingSignals(bus, after=settings.typing_after_seconds)
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
        holding=holding.reply,
        desk=desk,
        questions=questions,
        faq=faq,
        gate=gate,
        typing=typing if settings.typing_signal else None,
    )
    if faq is not None:

        def follow(entries: list[StoredFaq]) -> None:
            text, left_out = faq_text(entries)
            if left_out:
                log.warning("faq.prompt_full", left_out=left_out, limit=FAQ_LIMIT)
            handler.personas = handler.personas.with_faq(text)

        faq.subscribe(follow)
    consumer = runtime.add_consumer(
        INBOUND,
        handler,
        name="inbound",
        concurrency=settings.max_concurrency,
        lease=lease,
        min_poll=0.005,
        max_poll=settings.idle_poll_seconds,
    )
    watch.wake = consumer.wake
    runtime.add_worker(watch)
    if desk is not None:
        runtime.add_consumer(
            OPERATOR,
            OperatorHandler(
                bus=bus,
                desk=desk,
                clock=clock,
                photo_limit=int(settings.operator_photo_max_mb * 1024 * 1024),
            ),
            name="operator",
            concurrency=1,
            lease=60.0,
            min_poll=0.005,
            max_poll=settings.idle_poll_seconds,
        )
        runtime.add_worker(IdleResumer(desk, every=min(IDLE_EVERY, desk.idle_seconds / 4)))
    cache = router.cache if isinstance(router, Router) else None
    runtime.add_worker(
        RetentionWorker(
            all_purges(runtime.db, settings, clock=clock, cache=cache),
            every=settings.retention_every_seconds,
        )
    )
    if isinstance(router, Router):
        runtime.vitals.watch_providers(lambda: router.states)
    if runtime.collector is not None:
        record_process_start(runtime.collector, clock())

    def provide_bus() -> Bus:
        return bus

    def provide_memory() -> ConversationMemory:
        return memory

    startup: list[Callable[[], None]] = []
    access = Access(
        host=settings.host,
        token=settings.admin_token,
        public_hosts=settings.public_host.split(","),
        clock=clock,
    )
    dashboard = dashboard_handlers(
        engine=runtime.engine,
        bus=bus,
        access=access,
        extra=handoff_handlers(desk=desk, access=access, clock=clock) if desk else (),
        budgets=provider_budgets(router),
        workers=worker_health(runtime),
        clock=clock,
        on_startup=startup,
        side_threads=runtime.side_threads,
        owner=OwnerView(
            conversations=ConversationReader(
                runtime.db, retention=retention, clock=clock, deliveries=runtime.deliveries
            ),
            questions=questions,
            teach=teacher(
                faq.store
                if faq is not None
                else faq_store(settings.router_settings(), runtime.db, clock=clock)
            ),
        ),
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
