"""Operator photos for customers on other channels: the parcel stage of ``fetch.telegram``.

An operator answers a WhatsApp customer with a photo sent in the Telegram operator chat. The
WhatsApp agent cannot fetch a Telegram file (the bot token lives here), so the orchestrator
asks this agent for it (`onebox_bus.contracts.FetchRequest`): the stage downloads the photo
(``getFile`` + the file URL, at most ``ONEBOX_OPERATOR_PHOTO_MAX_MB``, JPEG or PNG only) and
leaves it as a parcel in the shared database for the WhatsApp agent
(`onebox_service.add_parcel_stage`). A customer on Telegram needs none of this: the bot sends
the operator's photo again by its ``file_id``.
"""

from __future__ import annotations

from onebox_bus.contracts import FetchRequest
from onebox_service import FetchedPhoto, ServiceRuntime, add_parcel_stage

from .api import TelegramBotAPI

CHANNEL = "telegram"
MB = 1024 * 1024


def add_photo_stage(runtime: ServiceRuntime, *, api: TelegramBotAPI) -> None:
    """Run the parcel stage of ``fetch.telegram`` in `runtime`."""
    limit = int(runtime.settings.operator_photo_max_mb * MB)

    async def fetch(request: FetchRequest) -> FetchedPhoto:
        return await api.fetch_photo(
            request.file_id, limit=limit, declared_size=request.declared_size
        )

    add_parcel_stage(runtime, channel=CHANNEL, fetch=fetch)
