"""`create_app`: the WhatsApp agent's Litestar app, built from settings (composition root).

It opens the kit's runtime (database, bus, metrics, delivery records), the window table, the
Graph API client (the httpx client is created and closed here) and the channel (the real one,
or the kit's sandbox without a token), adds the kit's `Sender` on ``outbound.whatsapp``, and
mounts the webhook routes beside ``/health`` and ``/metrics``.
"""

from __future__ import annotations

import time

import anyio
import httpx
from litestar import Litestar
from onebox_bus import Clock, Sleep
from onebox_router import RouterSettings
from onebox_service import (
    Channel,
    PacingLimits,
    SandboxChannel,
    Sender,
    ServiceRuntime,
    WebhookIngest,
    create_service_app,
    open_runtime,
    outbound_client,
)

from .channel import Template, WhatsAppChannel
from .client import GraphApiClient
from .settings import WhatsAppSettings
from .voice import add_voice_stage, speech_transcriber
from .webhooks import WhatsAppWebhook
from .window import ConversationWindows

SERVICE = "whatsapp"


def create_app(
    settings: WhatsAppSettings,
    *,
    clock: Clock = time.time,
    runtime: ServiceRuntime | None = None,
    http: httpx.AsyncClient | None = None,
    sleep: Sleep = anyio.sleep,
    router_settings: RouterSettings | None = None,
) -> Litestar:
    """Build the agent's app; its lifespan starts and stops the sender.

    Args:
        settings: the agent's settings.
        clock: the time source (the window, the records, pacing).
        runtime: an opened kit runtime (tests pass one); opened from settings otherwise.
        http: the client for the Graph API; created (and closed on shutdown) when None.
        sleep: how the sender and channel wait (tests may pass a fast one).
        router_settings: what builds the voice notes' transcriber (read from ``ONEBOX_*``
            when None); outside sandbox mode with ``ONEBOX_VOICE_ENABLED`` (the default)
            voice notes go through the media stage (`voice`).
    """
    if runtime is None:
        runtime = open_runtime(settings, service=SERVICE, clock=clock)
    windows = ConversationWindows(runtime.db, clock=clock)
    owned_http: httpx.AsyncClient | None = None
    channel: Channel
    voice = False
    if settings.sandbox:
        channel = SandboxChannel(SERVICE, clock=clock)
    else:
        if http is None:
            http = owned_http = outbound_client(
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10)
            )
        client = _client(settings, http)
        channel = WhatsAppChannel(
            client=client,
            windows=windows,
            clock=clock,
            template=_template(settings),
            window_margin=settings.whatsapp_window_margin_seconds,
            mark_read=settings.whatsapp_mark_read,
            sleep=sleep,
        )
        if settings.voice_enabled:
            transcriber = speech_transcriber(
                runtime, http, router_settings=router_settings, clock=clock
            )
            add_voice_stage(runtime, client=client, transcriber=transcriber, clock=clock)
            voice = True
    sender = Sender(
        bus=runtime.bus,
        channel=channel,
        deliveries=runtime.deliveries,
        collector=runtime.collector,
        limits=PacingLimits(
            per_key_interval=settings.whatsapp_recipient_interval_seconds,
            global_per_second=settings.whatsapp_max_per_second,
        ),
        clock=clock,
        sleep=sleep,
        grace=settings.shutdown_grace_seconds,
        lease=settings.whatsapp_sender_lease,
    )
    runtime.add_worker(sender)
    webhook = WhatsAppWebhook(
        ingest=WebhookIngest(
            bus=runtime.bus,
            events=runtime.events,
            collector=runtime.collector,
            channel=SERVICE,
            max_body_bytes=settings.max_body_bytes,
        ),
        deliveries=runtime.deliveries,
        windows=windows,
        collector=runtime.collector,
        app_secret=settings.whatsapp_app_secret,
        verify_token=settings.whatsapp_verify_token,
        clock=clock,
        voice=voice,
    )
    app = create_service_app(
        runtime,
        route_handlers=webhook.route_handlers(),
        on_shutdown=[owned_http.aclose] if owned_http else [],
    )
    # Before the database closes (an on_shutdown hook would run after: a write on a closed
    # SQLite connection crashed the process).
    runtime.before_stop.append(webhook.recorder.flush)
    app.state["sender"] = sender
    app.state["channel"] = channel
    return app


def _client(settings: WhatsAppSettings, http: httpx.AsyncClient) -> GraphApiClient:
    assert settings.whatsapp_access_token is not None  # not sandbox
    assert settings.whatsapp_phone_number_id is not None  # settings require it with a token
    return GraphApiClient(
        http=http,
        api_url=settings.whatsapp_api_url,
        api_version=settings.whatsapp_api_version,
        phone_number_id=settings.whatsapp_phone_number_id,
        access_token=settings.whatsapp_access_token,
        timeout=settings.whatsapp_request_timeout_seconds,
    )


def _template(settings: WhatsAppSettings) -> Template | None:
    if not settings.whatsapp_template_name:
        return None
    return Template(
        name=settings.whatsapp_template_name, language=settings.whatsapp_template_language
    )
