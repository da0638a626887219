"""#18: with the handoff desk on, a photo, sticker, document, location or video goes to a person.

Real SQLite bus, the real handler and desk, a fixed clock; without a desk the polite "I can
only read text" reply stays.
"""

from __future__ import annotations

import dataclasses

import pytest
from onebox_bus import Bus
from onebox_bus.testing import FakeClock
from onebox_orchestrator.testing import make_inbound, publish_inbound

from .test_handler import ScriptedRouter, handle_all
from .test_handler import make_handler as make_plain_handler
from .test_handoff_desk import CUSTOMER, bus, clock, make_desk, make_handler, sent

pytestmark = pytest.mark.anyio
__all__ = ["bus", "clock"]


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("image", "a photo"),
        ("sticker", "a sticker"),
        ("document", "a document"),
        ("location", "a location"),
        ("video", "a video"),
    ],
)
async def test_media_is_escalated_with_a_desk(
    bus: Bus, clock: FakeClock, kind: str, words: str
) -> None:
    desk = make_desk(bus, clock)
    router = ScriptedRouter()
    publish_inbound(bus, make_inbound("", content_kind=kind))
    await handle_all(bus, make_handler(bus, router, desk))
    [told], [post] = sent(bus)
    assert told.text.startswith("Thanks for your message! I have passed it to our team")
    assert f"Why: the customer sent {words}, which the bot cannot open." in post.text
    assert f"Customer: [{words} on Telegram]" in post.text
    assert router.calls == []
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    assert handoff.reason == "media_not_read"


async def test_the_post_shows_the_caption_and_the_platforms_summary(
    bus: Bus, clock: FakeClock
) -> None:
    desk = make_desk(bus, clock)
    photo = make_inbound("Is this plant sick?", content_kind="image")
    place = dataclasses.replace(
        make_inbound("", content_kind="location", channel="whatsapp", conversation_id="1:555"),
        meta={"summary": "a location (Rua Augusta 1, Lisboa)"},
    )
    publish_inbound(bus, photo)
    publish_inbound(bus, place)
    await handle_all(bus, make_handler(bus, ScriptedRouter(), desk))
    _, [photo_post, place_post] = sent(bus)
    assert "Customer: [a photo on Telegram] with the caption: Is this plant sick?" in (
        photo_post.text
    )
    assert "Customer: [a location (Rua Augusta 1, Lisboa) on WhatsApp]" in place_post.text
    whatsapp = bus.claim("outbound.whatsapp", consumer="test")
    assert len(whatsapp) == 1  # the WhatsApp customer is told a person will reply
    handoffs = desk.store.open_handoffs()
    assert [h.channel for h in handoffs] == ["telegram", "whatsapp"]


async def test_without_a_desk_media_keeps_the_polite_reply(bus: Bus) -> None:
    publish_inbound(bus, make_inbound("", content_kind="sticker"))
    await handle_all(bus, make_plain_handler(bus, ScriptedRouter()))
    [reply], [] = sent(bus)
    assert "sticker" in reply.text
    assert "a person" not in reply.text
