"""An operator's photo: sent again by ``file_id`` to a Telegram customer, and fetched for a
WhatsApp one (the agent's parcel stage), against the fake Bot API on loopback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from onebox_agent_telegram.api import TelegramBotAPI
from onebox_agent_telegram.errors import TelegramBadRequest
from onebox_agent_telegram.testing import FakeBotAPI, until
from onebox_bus import Bus
from onebox_bus.contracts import (
    PARCEL,
    TELEGRAM_PHOTO,
    FetchRequest,
    OutboundMessage,
    fetch_topic,
    outbound_topic,
)
from onebox_service import MediaGone, MediaNotImage, MediaTooLarge, ParcelStore

pytestmark = pytest.mark.anyio

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 200
PHOTO_ID = "AgACAgIAAxkBAAIBZ2photo"
TOPIC = outbound_topic("telegram")


@pytest.fixture
async def api(fake_api: FakeBotAPI) -> Any:
    async with httpx.AsyncClient() as http:
        yield TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)


def publish_photo(bus: Bus, chat: int, caption: str, *, photo: str = PHOTO_ID) -> int:
    reply = OutboundMessage(
        channel="telegram", conversation_id=str(chat), text=caption,
        correlation_id=f"c-{chat}-{len(caption)}", meta={TELEGRAM_PHOTO: photo},
    )  # fmt: skip
    return bus.publish(TOPIC, reply.to_payload(), key=reply.key)


def settled(bus: Bus, count: int) -> bool:
    stats = bus.stats().get(TOPIC)
    return stats is not None and stats.done + stats.dead == count


async def test_a_photo_is_sent_again_by_its_file_id_with_its_caption(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    fake_api.add_file(PHOTO_ID, JPEG, file_path="photos/file_1.jpg", content_type="image/jpeg")
    long_caption = "This is the engraving we can do. " * 40  # 1320 characters
    async with start_agent(fake_api) as agent:
        bus = agent.runtime.bus
        publish_photo(bus, 42, "Here is the engraving.")
        publish_photo(bus, 43, long_caption)
        publish_photo(bus, 44, "")
        publish_photo(bus, 45, "lost", photo="AgACnotours")
        await until(lambda: settled(bus, 4), within=20)
        dead = {d.key: d.error for d in bus.dead_letters(topic=TOPIC)}

    [photo] = fake_api.photos(42)
    assert (photo.params["photo"], photo.params["caption"]) == (PHOTO_ID, "Here is the engraving.")
    assert fake_api.sent(42) == []  # one message: the photo with its caption

    [captioned] = fake_api.photos(43)
    [rest] = fake_api.sent_texts(43)
    caption = captioned.params["caption"]
    assert len(caption) <= 1024
    assert f"{caption} {rest}" == long_caption.strip()  # cut at a sentence, nothing lost
    assert captioned.message_id is not None
    assert fake_api.sent(43)[0].message_id == captioned.message_id + 1  # the photo first

    [bare] = fake_api.photos(44)
    assert "caption" not in bare.params

    assert fake_api.photos(45) == []
    assert dead == {"telegram:45": "Bad Request: wrong file identifier/HTTP URL specified"}


async def test_the_fake_refuses_sends_the_bot_api_refuses(
    api: TelegramBotAPI, fake_api: FakeBotAPI
) -> None:
    fake_api.add_file(PHOTO_ID, JPEG)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await api.send_photo(42, PHOTO_ID, caption="x" * 1025)
    with pytest.raises(TelegramBadRequest, match="there is no photo in the request"):
        await api.call("sendPhoto", {"chat_id": 42, "caption": "no photo"})
    sent = await api.send_photo(42, PHOTO_ID, caption="x" * 1024)
    assert sent["photo"][0]["file_id"] == PHOTO_ID
    assert sent["photo"][0]["file_size"] == len(JPEG)
    assert sent["caption"] == "x" * 1024


async def test_a_photo_is_fetched_into_memory_within_the_cap(
    api: TelegramBotAPI, fake_api: FakeBotAPI
) -> None:
    fake_api.add_file(PHOTO_ID, JPEG, file_path="photos/file_1.jpg", content_type="image/jpeg")
    fake_api.add_file("pdf", b"%PDF-1.7\n" + bytes(500), file_path="documents/file_2.pdf")
    photo = await api.fetch_photo(PHOTO_ID, limit=5 * 1024 * 1024, declared_size=len(JPEG))
    assert (photo.data, photo.content_type, photo.filename) == (JPEG, "image/jpeg", "photo.jpg")
    assert [r.method for r in fake_api.requests] == ["getFile", "file"]

    with pytest.raises(MediaTooLarge) as declared:
        await api.fetch_photo(PHOTO_ID, limit=1000, declared_size=len(JPEG))
    assert declared.value.size == len(JPEG)
    assert len(fake_api.requests) == 2  # refused before any request
    with pytest.raises(MediaTooLarge):
        await api.fetch_photo(PHOTO_ID, limit=1000)  # getFile's file_size says so
    assert len(fake_api.downloads()) == 1  # and nothing was downloaded
    with pytest.raises(MediaNotImage):
        await api.fetch_photo("pdf", limit=5 * 1024 * 1024)
    with pytest.raises(MediaGone):
        await api.fetch_photo("AgACunknown", limit=5 * 1024 * 1024)


async def test_the_agent_fetches_an_operator_photo_for_a_waiting_whatsapp_reply(
    start_agent: Any, fake_api: FakeBotAPI
) -> None:
    fake_api.add_file(PHOTO_ID, JPEG, file_path="photos/file_1.jpg", content_type="image/jpeg")
    replies = outbound_topic("whatsapp")
    async with start_agent(fake_api) as agent:
        bus = agent.runtime.bus
        reply = OutboundMessage(
            channel="whatsapp", conversation_id="pn:16505551234", text="Here it is",
            correlation_id="c1", meta={PARCEL: "operator-photo:4242:7"},
        )  # fmt: skip
        reply_id = bus.publish(replies, reply.to_payload(), key=reply.key, delay=600.0)
        request = FetchRequest(
            file_id=PHOTO_ID, parcel="operator-photo:4242:7", channel="whatsapp",
            reply_topic=replies, reply_id=reply_id, correlation_id="c1",
        )  # fmt: skip
        bus.publish(fetch_topic("telegram"), request.to_payload())
        claimed: list[Any] = []
        await until(lambda: claimed.extend(bus.claim(replies, consumer="test")) or claimed,
                    within=20)  # fmt: skip
        [woken] = claimed
        parcel = ParcelStore(bus.db).get("operator-photo:4242:7")
    assert woken.id == reply_id
    assert parcel is not None
    assert (parcel.data, parcel.content_type) == (JPEG, "image/jpeg")
    assert fake_api.downloads()[0].params == {"file_path": "photos/file_1.jpg"}
