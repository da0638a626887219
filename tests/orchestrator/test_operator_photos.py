"""An operator's photo in the operator chat, handled in process on a real SQLite bus.

To a Telegram customer it goes by ``file_id``; to a WhatsApp customer it waits for the
Telegram agent to fetch it (and holds the operator's next text behind it); a photo too large
for WhatsApp and media other than photos are refused with an answer in the operator chat.
"""

from __future__ import annotations

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import (
    OPERATOR,
    PARCEL,
    TELEGRAM_PHOTO,
    FetchRequest,
    InboundMessage,
    OutboundMessage,
    fetch_topic,
    outbound_topic,
)
from onebox_bus.testing import FakeClock
from onebox_orchestrator.operators import OperatorHandler
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_service import ON_DEAD, ON_NOTE, failure_notice, sent_note

from .test_handler import ScriptedRouter, handle_all
from .test_handoff_desk import OPERATOR_CHAT, bus, clock, make_desk, make_handler, sent

__all__ = ["bus", "clock"]  # fixtures shared with the desk's tests

pytestmark = pytest.mark.anyio
PHOTO_ID = "AgACAgIAAxkBAAIBZ2photo"
WHATSAPP = "106540352242922:16505551234"


async def hand_over(bus: Bus, clock: FakeClock, *, channel: str, conversation: str) -> None:
    """A customer asks for a person; the escalation post's message id becomes "1"."""
    desk = make_desk(bus, clock)
    publish_inbound(bus, make_inbound("Can I talk to a person?", channel=channel,
                                      conversation_id=conversation))  # fmt: skip
    await handle_all(bus, make_handler(bus, ScriptedRouter(), desk))
    handoff = desk.open_for(f"{channel}:{conversation}")
    assert handoff is not None
    with bus.db.transaction() as conn:
        desk.store.set_post_message(conn, handoff.id, "1")
    sent(bus)
    while batch := bus.claim(outbound_topic("whatsapp"), limit=100, consumer="reader"):
        bus.ack_many(batch)


async def operator_sends(bus: Bus, clock: FakeClock, *messages: InboundMessage) -> None:
    operator = OperatorHandler(bus=bus, desk=make_desk(bus, clock), clock=clock)
    for message in messages:
        message.meta["reply_to_message_id"] = "1"
        bus.publish(OPERATOR, message.to_payload(), key=message.key)
    while batch := bus.claim(OPERATOR, limit=10, consumer="test"):
        for claimed in batch:
            await operator(claimed)


def photo(caption: str = "", *, size: int = 120_000, kind: str = "image") -> InboundMessage:
    message = make_inbound(caption, conversation_id=str(OPERATOR_CHAT), content_kind=kind)
    message.meta.update(file_id=PHOTO_ID, file_size=str(size))
    return message


async def test_a_photo_goes_to_a_telegram_customer_by_its_file_id(
    bus: Bus, clock: FakeClock
) -> None:
    await hand_over(bus, clock, channel="telegram", conversation="42")
    await operator_sends(bus, clock, photo("The engraving, as promised."))
    [reply], answers = sent(bus)
    assert answers == []
    assert (reply.conversation_id, reply.text) == ("42", "The engraving, as promised.")
    assert reply.meta[TELEGRAM_PHOTO] == PHOTO_ID
    turns = make_desk(bus, clock).memory.recent("telegram:42")
    assert turns[-1].text == "[photo] The engraving, as promised."


async def test_a_photo_for_a_whatsapp_customer_waits_for_its_fetch_and_keeps_order(
    bus: Bus, clock: FakeClock
) -> None:
    await hand_over(bus, clock, channel="whatsapp", conversation=WHATSAPP)
    text_before = make_inbound("One moment, a photo:", conversation_id=str(OPERATOR_CHAT))
    text_after = make_inbound("Does that look right?", conversation_id=str(OPERATOR_CHAT))
    await operator_sends(bus, clock, text_before, photo("The engraving."), text_after)

    replies = outbound_topic("whatsapp")
    [first] = bus.claim(replies, limit=10, consumer="test")
    text_reply = OutboundMessage.from_payload(first.payload)
    assert text_reply.text == "One moment, a photo:"
    note = sent_note(text_reply, "a template went without your words")  # text: told if so
    assert note is not None
    assert note.text.endswith(": a template went without your words")
    bus.ack(first)
    assert bus.claim(replies, limit=10, consumer="test") == []  # the photo waits, the text too

    [claimed] = bus.claim(fetch_topic("telegram"), consumer="test")
    request = FetchRequest.from_payload(claimed.payload)
    assert (request.file_id, request.declared_size, request.channel) == (PHOTO_ID, 120_000,
                                                                          "whatsapp")  # fmt: skip
    assert bus.wake(request.reply_topic, request.reply_id)
    [woken] = bus.claim(replies, limit=10, consumer="test")
    reply = OutboundMessage.from_payload(woken.payload)
    assert (woken.id, reply.text, reply.meta[PARCEL]) == (request.reply_id, "The engraving.",
                                                          request.parcel)  # fmt: skip
    assert "template" not in " ".join(reply.meta)  # a photo never goes as a template
    notice = failure_notice(reply, "it was too large")
    assert notice is not None
    assert notice.text.endswith("your photo was not delivered: it was too large.")
    assert ON_DEAD in reply.meta
    assert ON_NOTE not in reply.meta  # a photo never goes as a template: nothing to note
    bus.ack(woken)
    [last] = bus.claim(replies, limit=10, consumer="test")
    assert OutboundMessage.from_payload(last.payload).text == "Does that look right?"


async def test_a_photo_too_large_for_whatsapp_is_refused_and_nothing_sent(
    bus: Bus, clock: FakeClock
) -> None:
    await hand_over(bus, clock, channel="whatsapp", conversation=WHATSAPP)
    await operator_sends(bus, clock, photo("Big one", size=7_654_321))
    _, [answer] = sent(bus)
    assert answer.text.endswith(
        "the photo is 7.3 MB, more than the 5 MB a photo on WhatsApp may be, so nothing was "
        "sent. Send a smaller photo."
    )
    clock.advance(3600.0)
    assert bus.claim(outbound_topic("whatsapp"), limit=10, consumer="test") == []
    assert bus.claim(fetch_topic("telegram"), limit=10, consumer="test") == []


async def test_other_media_are_refused_naming_what_can_be_sent(bus: Bus, clock: FakeClock) -> None:
    await hand_over(bus, clock, channel="telegram", conversation="42")
    await operator_sends(
        bus, clock, photo(kind="document"), photo(kind="sticker"), photo(kind="voice")
    )
    to_customer, answers = sent(bus)
    assert to_customer == []
    assert [a.text.split(":")[1].split(" was")[0].strip() for a in answers] == [
        "a file", "a sticker", "a voice note",
    ]  # fmt: skip
    assert all("Send text, or a photo with an optional caption." in a.text for a in answers)
    assert "send it as a photo" in answers[0].text
