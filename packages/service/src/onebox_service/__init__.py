"""onebox-service: what onebox's Litestar services share.

Settings loading, the business file and its calendar, JSON logging, sd_notify, the app
factory pieces (/health, /metrics, the admin guard, error mapping), lifespan-managed workers,
webhook ingest, the outbound sender with pacing and error classes, sandbox delivery, and the
parcels one agent fetches for another agent's reply.
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
from .channel import Channel, DeliveryReceipt, ShowsTyping
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
from .failures import ON_DEAD, REASON, failure_notice, with_failure_notice
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
from .parcel_stage import FetchPhoto, ParcelStage, add_parcel_stage
from .parcels import Parcel, ParcelStore, drop_parcel
from .photos import FetchedPhoto, MediaNotImage, fetch_photo, sniff_image, too_large_reason
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
    RoutingEnv,
    RoutingSettings,
    ServiceSettings,
    SettingsError,
    SettingsSection,
    SystemdEnvironment,
    build_settings,
    load_settings,
    systemd_environment,
)
from .text import split_caption, split_text
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
    "ON_DEAD",
    "PROXY_HEADERS",
    "REASON",
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
    "FetchPhoto",
    "FetchedPhoto",
    "Handoff",
    "JourneyEvent",
    "JourneySummary",
    "Language",
    "MediaError",
    "MediaGone",
    "MediaNotAudio",
    "MediaNotImage",
    "MediaStage",
    "MediaTooLarge",
    "MediaUnavailable",
    "MessageJournal",
    "OpeningRange",
    "Pacer",
    "PacingLimits",
    "Parcel",
    "ParcelStage",
    "ParcelStore",
    "PermanentDeliveryError",
    "RateLimited",
    "RoutingEnv",
    "RoutingSettings",
    "RuntimeVitals",
    "SandboxChannel",
    "SavedMedia",
    "Sender",
    "ServiceRuntime",
    "ServiceSettings",
    "SettingsError",
    "SettingsSection",
    "ShowsTyping",
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
    "add_parcel_stage",
    "back_sentence",
    "build_settings",
    "cap_text",
    "check_declared",
    "configure_logging",
    "create_service_app",
    "current_values",
    "direct_from_loopback",
    "download_audio",
    "drop_parcel",
    "evaluate_thresholds",
    "failure_notice",
    "fetch_photo",
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
    "sniff_image",
    "split_caption",
    "split_text",
    "systemd_environment",
    "too_large_reason",
    "trace_handlers",
    "webhook_post",
    "with_failure_notice",
]
