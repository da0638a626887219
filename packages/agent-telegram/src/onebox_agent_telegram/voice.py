"""Voice notes on Telegram: ``getFile`` + download here (the bot token lives here), then the
router's transcriber, through the kit's media stage (`onebox_service.add_media_stage`).

A voice note, an audio file or a video note is published to ``media.telegram``; the stage
downloads it into ``ONEBOX_MEDIA_DIR`` (caps ``ONEBOX_VOICE_MAX_MB`` and
``ONEBOX_VOICE_MAX_SECONDS``, both checked against what the update declares before any
request), transcribes it, deletes it and publishes the message with its transcript.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from onebox_bus.contracts import InboundMessage
from onebox_router import RouterSettings
from onebox_router.errors import ConfigError
from onebox_router.transcribe import Transcriber, build_transcriber, saved_note_transcriber
from onebox_service import (
    SavedMedia,
    ServiceRuntime,
    add_media_stage,
)

from .api import TelegramBotAPI

CHANNEL = "telegram"
#: How long one transcription may take (the chain's own deadline).
TRANSCRIBE_SECONDS = 60.0


def speech_transcriber(
    runtime: ServiceRuntime,
    http: httpx.AsyncClient,
    *,
    router_settings: RouterSettings | None = None,
    clock: Callable[[], float] = time.time,
) -> Transcriber:
    """The router's transcriber from `router_settings` (``main()`` reads them with
    `load_settings`, which names a bad variable) and the routing file's ``[transcription]``.

    Raises:
        SystemExit: one line naming the variable when the configuration is wrong.
    """
    try:
        settings = router_settings if router_settings is not None else RouterSettings()
        return build_transcriber(
            settings, http=http, db=runtime.db, clock=clock, collector=runtime.collector
        )
    except ConfigError as exc:
        raise SystemExit(f"onebox: {exc}") from None


def add_voice_stage(
    runtime: ServiceRuntime,
    *,
    api: TelegramBotAPI,
    transcriber: Transcriber,
    clock: Callable[[], float] = time.time,
) -> None:
    """Run the media stage of ``media.telegram`` in `runtime`."""
    settings = runtime.settings
    limit = int(settings.voice_max_mb * 1024 * 1024)

    async def fetch(message: InboundMessage, folder: Path) -> SavedMedia:
        size = message.meta.get("file_size")
        return await api.download_file(
            message.meta.get("file_id", ""), dest_dir=folder, limit=limit,
            declared_type=message.meta.get("mime_type"),
            declared_size=int(size) if size and size.isdigit() else None,
        )  # fmt: skip

    transcribe = saved_note_transcriber(
        transcriber, max_seconds=settings.voice_max_seconds, budget_s=TRANSCRIBE_SECONDS,
        clock=clock,
    )  # fmt: skip
    add_media_stage(runtime, channel=CHANNEL, fetch=fetch, transcribe=transcribe)
