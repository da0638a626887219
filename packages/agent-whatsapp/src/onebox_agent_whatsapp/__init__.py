"""onebox-agent-whatsapp: the WhatsApp sales agent (Cloud API webhooks, 24-hour window)."""

from .app import create_app
from .channel import Template, WhatsAppChannel, delivery_error
from .client import GraphApiClient, SentMessage
from .errors import GraphApiError, MalformedWebhook, SetupError, WhatsAppError, classify
from .settings import WhatsAppSettings
from .setup_check import Check, verify_setup
from .signature import sign, verify
from .split import split_text
from .updates import DeliveryStatus, WebhookBatch, dedupe_key, parse_webhook
from .webhooks import WhatsAppWebhook
from .window import ConversationWindows, InboundRecorder, WindowState, closed_reason

__all__ = [
    "Check",
    "ConversationWindows",
    "DeliveryStatus",
    "GraphApiClient",
    "GraphApiError",
    "InboundRecorder",
    "MalformedWebhook",
    "SentMessage",
    "SetupError",
    "Template",
    "WebhookBatch",
    "WhatsAppChannel",
    "WhatsAppError",
    "WhatsAppSettings",
    "WhatsAppWebhook",
    "WindowState",
    "classify",
    "closed_reason",
    "create_app",
    "dedupe_key",
    "delivery_error",
    "parse_webhook",
    "sign",
    "split_text",
    "verify",
    "verify_setup",
]
