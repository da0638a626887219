"""onebox-service: what onebox's Litestar services share.

Settings loading, the business file and its calendar, JSON logging, sd_notify, the app
factory pieces (/health, /metrics, the admin guard, error mapping), lifespan-managed workers,
webhook ingest, the outbound sender with pacing and error classes, and sandbox delivery.
"""

from .app import (
    create_service_app,
    health_handler,
    make_admin_guard,
    metrics_handler,
    trace_handlers,
)
from .business import (
    Business,
    BusinessFileError,
    Contact,
    Handoff,
    OpeningRange,
    WhatsAppTemplate,
    load_business,
    parse_business,
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
from .language import LANGUAGES, Language, guess_language
from .logging import configure_logging
from .media import (
    AUDIO_TYPES,
    MediaError,
    MediaGone,
    MediaNotAudio,
    MediaTooLarge,
    MediaUnavailable,
    SavedMedia,
    check_declared,
    download_audio,
    sniff_audio,
)
from .media_stage import MediaStage, add_media_stage, open_media_dir
from .notify import SystemdNotifier
from .operator import TelegramChatId, parse_telegram_chat_id
from .pacing import Pacer, PacingLimits, pace
from .runner import run, serve
from .runtime import ServiceRuntime, Worker, WorkerHealth, open_runtime
from .sandbox import (
    PROXY_HEADERS,
    SandboxChannel,
    direct_from_loopback,
    is_loopback,
    sandbox_mode,
    sandbox_replies,
)
from .schedule import back_sentence, is_open, next_opening, opening_phrase
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
    MAX_TEXT_CHARS,
    WebhookEvent,
    WebhookEventStore,
    WebhookIngest,
    cap_text,
    new_correlation_id,
    secret_matches,
    webhook_post,
)

__all__ = [
    "AUDIO_TYPES",
    "LANGUAGES",
    "MAX_TEXT_CHARS",
    "PROXY_HEADERS",
    "STATUS_RANK",
    "AiohttpTransport",
    "BadWebhook",
    "BodyTooLarge",
    "Business",
    "BusinessFileError",
    "Channel",
    "ChannelConfigError",
    "ChannelError",
    "Contact",
    "Delivery",
    "DeliveryError",
    "DeliveryReceipt",
    "DeliveryStatus",
    "DeliveryStore",
    "EnvSettings",
    "Handoff",
    "JourneyEvent",
    "JourneySummary",
    "Language",
    "MediaError",
    "MediaGone",
    "MediaNotAudio",
    "MediaStage",
    "MediaTooLarge",
    "MediaUnavailable",
    "MessageJournal",
    "OpeningRange",
    "Pacer",
    "PacingLimits",
    "PermanentDeliveryError",
    "RateLimited",
    "RuntimeVitals",
    "SandboxChannel",
    "SavedMedia",
    "Sender",
    "ServiceRuntime",
    "ServiceSettings",
    "SettingsError",
    "SettingsSection",
    "StatusChange",
    "SystemdEnvironment",
    "SystemdNotifier",
    "TelegramChatId",
    "Threshold",
    "TransientDeliveryError",
    "WebhookEvent",
    "WebhookEventStore",
    "WebhookIngest",
    "WebhookRejected",
    "WhatsAppTemplate",
    "Worker",
    "WorkerHealth",
    "add_media_stage",
    "back_sentence",
    "build_settings",
    "cap_text",
    "check_declared",
    "configure_logging",
    "create_service_app",
    "current_values",
    "direct_from_loopback",
    "download_audio",
    "evaluate_thresholds",
    "format_journey",
    "guess_language",
    "health_handler",
    "is_loopback",
    "is_open",
    "journey_json",
    "load_business",
    "load_settings",
    "make_admin_guard",
    "metrics_handler",
    "new_correlation_id",
    "next_opening",
    "open_media_dir",
    "open_runtime",
    "opening_phrase",
    "outbound_client",
    "pace",
    "parse_business",
    "parse_telegram_chat_id",
    "prometheus_rules",
    "read_journey",
    "run",
    "runtime_thresholds",
    "sandbox_mode",
    "sandbox_replies",
    "secret_matches",
    "serve",
    "slow_journeys",
    "sniff_audio",
    "split_text",
    "systemd_environment",
    "trace_handlers",
    "webhook_post",
]
