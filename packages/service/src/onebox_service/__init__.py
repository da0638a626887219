"""onebox-service: what onebox's Litestar services share.

Settings loading, JSON logging, sd_notify, the app factory pieces (/health, /metrics, the
admin guard, error mapping), lifespan-managed workers, webhook ingest, the outbound sender
with pacing and error classes, and sandbox delivery.
"""

from .app import (
    create_service_app,
    health_handler,
    make_admin_guard,
    metrics_handler,
    trace_handlers,
)
from .channel import Channel, DeliveryReceipt
from .deliveries import STATUS_RANK, Delivery, DeliveryStatus, DeliveryStore, StatusChange
from .errors import (
    BadWebhook,
    BodyTooLarge,
    ChannelConfigError,
    ChannelError,
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
    WebhookRejected,
)
from .http import AiohttpTransport, outbound_client
from .journal import (
    JourneyEvent,
    JourneySummary,
    MessageJournal,
    format_journey,
    journey_json,
    read_journey,
    slow_journeys,
)
from .logging import configure_logging
from .notify import SystemdNotifier
from .pacing import Pacer, PacingLimits, pace
from .runner import run, serve
from .runtime import ServiceRuntime, Worker, WorkerHealth, open_runtime
from .sandbox import SandboxChannel, sandbox_replies
from .sender import Sender
from .settings import (
    EnvSettings,
    ServiceSettings,
    SettingsError,
    SettingsSection,
    SystemdEnvironment,
    build_settings,
    load_settings,
    systemd_environment,
)
from .text import split_text
from .vitals import RuntimeVitals
from .webhooks import (
    WebhookEvent,
    WebhookEventStore,
    WebhookIngest,
    new_correlation_id,
    secret_matches,
    webhook_post,
)

__all__ = [
    "STATUS_RANK",
    "AiohttpTransport",
    "BadWebhook",
    "BodyTooLarge",
    "Channel",
    "ChannelConfigError",
    "ChannelError",
    "Delivery",
    "DeliveryError",
    "DeliveryReceipt",
    "DeliveryStatus",
    "DeliveryStore",
    "EnvSettings",
    "JourneyEvent",
    "JourneySummary",
    "MessageJournal",
    "Pacer",
    "PacingLimits",
    "PermanentDeliveryError",
    "RateLimited",
    "RuntimeVitals",
    "SandboxChannel",
    "Sender",
    "ServiceRuntime",
    "ServiceSettings",
    "SettingsError",
    "SettingsSection",
    "StatusChange",
    "SystemdEnvironment",
    "SystemdNotifier",
    "TransientDeliveryError",
    "WebhookEvent",
    "WebhookEventStore",
    "WebhookIngest",
    "WebhookRejected",
    "Worker",
    "WorkerHealth",
    "build_settings",
    "configure_logging",
    "create_service_app",
    "format_journey",
    "health_handler",
    "journey_json",
    "load_settings",
    "make_admin_guard",
    "metrics_handler",
    "new_correlation_id",
    "open_runtime",
    "outbound_client",
    "pace",
    "read_journey",
    "run",
    "sandbox_replies",
    "secret_matches",
    "serve",
    "slow_journeys",
    "split_text",
    "systemd_environment",
    "trace_handlers",
    "webhook_post",
]
