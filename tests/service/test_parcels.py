"""Parcels: a file one agent fetches for another agent's reply, on SQLite and PostgreSQL.

The stage stores the parcel, wakes the waiting reply and acks the request in one unit; the
sender deletes the parcel with the reply's delivery record (or its dead letter); what is
left behind goes by age.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Bus, Database
from onebox_bus.contracts import PARCEL, FetchRequest, OutboundMessage, fetch_topic, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_metrics import Collector
from onebox_service import (
    DeliveryStore,
    FetchedPhoto,
    MediaGone,
    MediaTooLarge,
    MediaUnavailable,
    ParcelStage,
    ParcelStore,
    PermanentDeliveryError,
    Sender,
    ServiceSettings,
    split_caption,
)
from onebox_service.retention import shared_purges
from onebox_service.testing import ScriptedChannel

pytestmark = pytest.mark.anyio
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
REPLIES = outbound_topic("whatsapp")
REQUESTS = fetch_topic("telegram")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        yield database


@pytest.fixture
def bus(db: Database, clock: FakeClock) -> Bus:
    return Bus(db, clock=clock)


def waiting_reply(bus: Bus, ref: str = "p1") -> int:
    """A photo reply published to wait for its parcel, and its fetch request; the reply's id."""
    reply = OutboundMessage(
        channel="whatsapp", conversation_id="pn:123", text="Here it is", correlation_id="c1",
        meta={PARCEL: ref},
    )  # fmt: skip
    reply_id = bus.publish(REPLIES, reply.to_payload(), key="whatsapp:pn:123", delay=600.0)
    request = FetchRequest(
        file_id="AgAD", parcel=ref, channel="whatsapp", reply_topic=REPLIES, reply_id=reply_id,
        correlation_id="c1", declared_size=len(JPEG),
    )  # fmt: skip
    bus.publish(REQUESTS, request.to_payload(), dedupe_key=f"fetch:{ref}")
    return reply_id


def stage(bus: Bus, clock: FakeClock, outcome: object) -> ParcelStage:
    async def fetch(request: FetchRequest) -> FetchedPhoto:
        assert request.file_id == "AgAD"
        if isinstance(outcome, BaseException):
            raise outcome
        assert isinstance(outcome, FetchedPhoto)
        return outcome

    return ParcelStage(
        bus=bus, parcels=ParcelStore(bus.db, clock=clock), fetch=fetch, channel="telegram"
    )


async def test_a_fetched_photo_is_stored_and_wakes_its_reply(bus: Bus, clock: FakeClock) -> None:
    reply_id = waiting_reply(bus)
    bus.publish(REPLIES, b"{}", key="whatsapp:pn:123")  # the operator's next text
    assert bus.claim(REPLIES) == []  # the photo waits, and holds the text behind it
    photo = FetchedPhoto(data=JPEG, content_type="image/jpeg", sha256="x")
    [request] = bus.claim(REQUESTS)
    await stage(bus, clock, photo)(request)
    assert bus.stats()[REQUESTS].done == 1
    [woken] = bus.claim(REPLIES)
    assert woken.id == reply_id  # the photo first: per-conversation order kept
    parcel = ParcelStore(bus.db).get("p1")
    assert parcel is not None
    assert (parcel.data, parcel.content_type, parcel.error) == (JPEG, "image/jpeg", None)


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (
            MediaTooLarge(limit=5 * 1024 * 1024, size=7_654_321),
            "the photo is 7.3 MB, more than the 5 MB a photo on WhatsApp may be",
        ),
        (MediaGone(404), "Telegram no longer has the photo; send it again"),
    ],
    ids=["too-large", "gone"],
)
async def test_a_permanent_failure_is_stored_for_the_operator_and_still_wakes_the_reply(
    bus: Bus, clock: FakeClock, failure: Exception, reason: str
) -> None:
    reply_id = waiting_reply(bus)
    [request] = bus.claim(REQUESTS)
    await stage(bus, clock, failure)(request)
    [woken] = bus.claim(REPLIES)
    assert woken.id == reply_id
    parcel = ParcelStore(bus.db).get("p1")
    assert parcel is not None
    assert (parcel.data, parcel.error) == (None, reason)


async def test_a_retryable_failure_is_retried_then_stored_on_the_last_attempt(
    bus: Bus, clock: FakeClock
) -> None:
    waiting_reply(bus)
    handler = stage(bus, clock, MediaUnavailable("getFile failed: TelegramServerError"))
    [request] = bus.claim(REQUESTS)
    with pytest.raises(MediaUnavailable):
        await handler(request)  # the consumer nacks it: fetched again later
    assert ParcelStore(bus.db).get("p1") is None
    assert bus.claim(REPLIES) == []  # still waiting
    bus.nack(request, "unavailable", retry_after=0)
    for _ in range(request.max_attempts - 1):
        [request] = bus.claim(REQUESTS)
        if request.attempt < request.max_attempts:
            with pytest.raises(MediaUnavailable):
                await handler(request)
            bus.nack(request, "unavailable", retry_after=0)
    await handler(request)
    parcel = ParcelStore(bus.db).get("p1")
    assert parcel is not None
    assert parcel.error == "the photo could not be fetched from Telegram; send it again later"
    assert len(bus.claim(REPLIES)) == 1


def photo_sender(bus: Bus, db: Database, channel: ScriptedChannel, clock: FakeClock) -> Sender:
    return Sender(
        bus=bus,
        channel=channel,
        deliveries=DeliveryStore(db, clock=clock),
        collector=Collector(service="test", db=None, clock=clock),
        clock=clock,
    )


async def test_the_sender_deletes_a_parcel_with_the_delivery_record(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    parcels = ParcelStore(db, clock=clock)
    waiting_reply(bus)
    with db.transaction() as conn:
        assert parcels.put(conn, "p1", data=JPEG, content_type="image/jpeg")
        assert not parcels.put(conn, "p1", data=b"other", content_type="image/png")  # kept
    clock.advance(601.0)
    channel = ScriptedChannel("whatsapp", clock=clock)
    await photo_sender(bus, db, channel, clock).handle(bus.claim(REPLIES)[0])
    assert [reply.meta[PARCEL] for _, reply in channel.calls] == ["p1"]
    assert parcels.get("p1") is None
    assert bus.stats()[REPLIES].done == 1


async def test_the_sender_deletes_the_parcel_of_a_dead_reply(
    bus: Bus, db: Database, clock: FakeClock
) -> None:
    parcels = ParcelStore(db, clock=clock)
    waiting_reply(bus)
    with db.transaction() as conn:
        parcels.fail(conn, "p1", reason="Telegram no longer has the photo; send it again")
    clock.advance(601.0)
    channel = ScriptedChannel("whatsapp", [PermanentDeliveryError("no photo")], clock=clock)
    await photo_sender(bus, db, channel, clock).handle(bus.claim(REPLIES)[0])
    assert bus.stats()[REPLIES].dead == 1
    assert parcels.get("p1") is None


async def test_a_parcel_left_behind_is_purged_by_age(db: Database, clock: FakeClock) -> None:
    parcels = ParcelStore(db, clock=clock)
    with db.transaction() as conn:
        parcels.put(conn, "old", data=JPEG, content_type="image/jpeg")
    clock.advance(2 * 86400.0)
    with db.transaction() as conn:
        parcels.put(conn, "new", data=JPEG, content_type="image/jpeg")
    rules = {p.name: p for p in shared_purges(db, ServiceSettings(), clock=clock)}
    assert rules["service_parcels"].days == 1.0
    assert rules["service_parcels"].run() == 1
    assert parcels.get("old") is None
    assert parcels.get("new") is not None


def test_a_long_caption_is_cut_at_a_boundary_and_the_rest_follows() -> None:
    text = "First sentence here. " * 60  # 1260 characters
    caption, *rest = split_caption(text, caption_limit=1024, limit=4096)
    assert len(caption) <= 1024
    assert caption.endswith(".")
    assert " ".join([caption, *rest]) == text.strip()
    assert split_caption("  short  ", caption_limit=1024, limit=4096) == ["short"]
    assert split_caption("   ", caption_limit=1024, limit=4096) == []
