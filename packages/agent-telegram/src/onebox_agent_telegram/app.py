"""`create_app`: the Telegram agent's Litestar app on top of the service kit.

The app serves ``POST /webhook/telegram``, ``GET /health`` and ``GET /metrics``, and runs the
outbound sender (a worker on ``outbound.telegram``) in its lifespan. With a bot token the
sender delivers through `TelegramChannel`, and the parcel stage fetches operator photos for
customers on other channels (`photos`); in sandbox mode it records replies.
The caller owns the `httpx.AsyncClient` and closes it after the app has stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import httpx
from litestar import Litestar
from onebox_bus import Sleep
from onebox_router import RouterSettings
from onebox_service import (
    Channel,
    Pacer,
    SandboxChannel,
    Sender,
    ServiceRuntime,
    WebhookIngest,
    create_service_app,
    open_runtime,
)

from .api import TelegramBotAPI
from .channel import TELEGRAM_LIMITS, TelegramChannel, reply_group
from .chats import ChatStore
from .photos import add_photo_stage
from .settings import TelegramSettings
from .topics import TopicStore
from .voice import add_voice_stage, speech_transcriber
from .webhooks import telegram_webhook

SERVICE = "telegram"


def create_app(
    settings: TelegramSettings,
    *,
    http: httpx.AsyncClient | None = None,
    runtime: ServiceRuntime | None = None,
    clock: Callable[[], float] = time.time,
    pacer: Pacer | None = None,
    sleep: Sleep = anyio.sleep,
    router_settings: RouterSettings | None = None,
) -> Litestar:
    """Build the agent's app.

    Args:
        settings: the agent's settings.
        http: the client for the Bot API (required unless in sandbox mode).
        runtime: an opened runtime (tests); opened from `settings` when None.
        clock: wall clock for timestamps.
        pacer: the send pacer (Telegram's limits on `clock` when None).
        sleep: how the sender waits for the pacer.
        router_settings: what builds the voice notes' transcriber (read from ``ONEBOX_*``
            when None); with a bot token and ``ONEBOX_VOICE_ENABLED`` (the default) voice
            notes go through the media stage (`voice`).
    """
    if runtime is None:
        runtime = open_runtime(settings, service=SERVICE, clock=clock)
    chats = ChatStore(runtime.db, clock=clock)
    pacer = pacer or Pacer(TELEGRAM_LIMITS, clock=clock)
    channel: Channel
    voice = False
    if settings.sandbox or settings.telegram_bot_token is None:
        channel = SandboxChannel(SERVICE, clock=clock)
    else:
        if http is None:
            raise ValueError("create_app needs an httpx.AsyncClient when a bot token is set")
        api = TelegramBotAPI(
            token=settings.telegram_bot_token,
            http=http,
            api_url=settings.telegram_api_url,
            timeout=settings.telegram_request_timeout,
        )
        channel = TelegramChannel(
            api,
            pacer=pacer,
            chats=chats,
            parse_mode=settings.telegram_parse_mode,
            topics=TopicStore(runtime.db, clock=clock),
        )
        add_photo_stage(runtime, api=api)
        if settings.voice_enabled:
            transcriber = speech_transcriber(
                runtime, http, router_settings=router_settings, clock=clock
            )
            add_voice_stage(runtime, api=api, transcriber=transcriber, clock=clock)
            voice = True
    sender = Sender(
        bus=runtime.bus,
        channel=channel,
        deliveries=runtime.deliveries,
        collector=runtime.collector,
        pacer=pacer,
        group_of=reply_group,
        clock=clock,
        sleep=sleep,
        concurrency=settings.telegram_sender_concurrency,
        lease=settings.telegram_sender_lease,
        grace=settings.shutdown_grace_seconds,
    )
    runtime.add_worker(sender)
    ingest = WebhookIngest(
        bus=runtime.bus,
        events=runtime.events,
        collector=runtime.collector,
        channel=SERVICE,
        max_body_bytes=settings.max_body_bytes,
    )
    webhook = telegram_webhook(
        ingest,
        secret=settings.telegram_secret_token,
        chats=chats,
        clock=clock,
        operator_chat_id=settings.operator_chat_id,
        voice=voice,
    )
    app = create_service_app(runtime, route_handlers=[webhook])
    app.state["channel"] = channel
    app.state["sender"] = sender
    return app
