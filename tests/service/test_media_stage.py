"""The media stage on a real SQLite bus: publish-to-inbound and ack in one transaction, a
retryable failure given back, a permanent one passed on with its reason, the file deleted."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, InboundMessage, media_topic
from onebox_metrics import Collector
from onebox_service import (
    MediaStage,
    MediaTooLarge,
    MediaUnavailable,
    SavedMedia,
    WebhookEventStore,
    WebhookIngest,
)

pytestmark = pytest.mark.anyio
TOPIC = media_topic("telegram")


@pytest.fixture
def bus(db_url: str) -> Iterator[Bus]:
    with Bus.from_url(db_url) as bus:
        yield bus


def note(duration: str = "3") -> InboundMessage:
    return InboundMessage(
        channel="telegram", conversation_id="42", sender_id="42", text="",
        platform_message_id="7", received_at=time.time(), correlation_id="c0ffee",
        content_kind="voice", meta={"file_id": "F", "duration": duration},
    )  # fmt: skip


class Steps:
    """A channel download and a transcriber written for the test (files really written)."""

    def __init__(self, tmp_path: Path, *, fail: Exception | None = None) -> None:
        self.tmp_path = tmp_path
        self.fail = fail
        self.fetched = 0
        self.seen: list[Path] = []

    async def fetch(self, message: InboundMessage, folder: Path) -> SavedMedia:
        self.fetched += 1
        if self.fail is not None:
            raise self.fail
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
        path = folder / "media-1.ogg"
        await anyio.Path(path).write_bytes(b"OggS" + bytes(60))
        return SavedMedia(path=path, size=64, content_type="audio/ogg", container="ogg",
                          sha256="x")  # fmt: skip

    async def transcribe(self, message: InboundMessage, saved: SavedMedia) -> InboundMessage:
        self.seen.append(saved.path)
        await anyio.Path(saved.path).unlink()
        meta = {**message.meta, "transcribed": "true", "language": "en"}
        return dataclasses.replace(message, text="When do you open?", meta=meta)


def stage(bus: Bus, steps: Steps, tmp_path: Path) -> MediaStage:
    return MediaStage(bus=bus, fetch=steps.fetch, transcribe=steps.transcribe,
                      folder=tmp_path / "media", max_seconds=60)  # fmt: skip


async def run_once(bus: Bus, handler: MediaStage) -> None:
    [message] = bus.claim(TOPIC, limit=1, consumer="test")
    try:
        await handler(message)
    except MediaUnavailable:
        bus.nack(message, "retry", retry_after=0)


def published(bus: Bus) -> list[InboundMessage]:
    """Every inbound message so far (read and acked: one key is claimable at a time)."""
    out = []
    while batch := bus.claim(INBOUND, limit=10, consumer="reader"):
        out += [InboundMessage.from_payload(m.payload) for m in batch]
        bus.ack_many(batch)
    return out


async def test_transcribed_note_goes_to_inbound_and_the_media_message_is_done(
    bus: Bus, tmp_path: Path
) -> None:
    steps = Steps(tmp_path)
    bus.publish(TOPIC, note().to_payload(), key="telegram:42", dedupe_key="telegram:1")
    await run_once(bus, stage(bus, steps, tmp_path))
    [message] = published(bus)
    assert message.text == "When do you open?"
    assert message.content_kind == "voice"
    assert bus.stats()[TOPIC].done == 1
    assert not steps.seen[0].exists()
    # The same note published again is absorbed on both topics (one inbound, one reply).
    bus.publish(TOPIC, note().to_payload(), dedupe_key="telegram:1")
    assert bus.stats()[TOPIC].done == 1


async def test_a_retryable_download_failure_is_given_back_then_passed_on(
    bus: Bus, tmp_path: Path
) -> None:
    steps = Steps(tmp_path, fail=MediaUnavailable("503"))
    bus.publish(TOPIC, note().to_payload(), dedupe_key="telegram:2", max_attempts=2)
    handler = stage(bus, steps, tmp_path)
    await run_once(bus, handler)
    assert published(bus) == []
    assert bus.stats()[TOPIC].ready == 1
    await run_once(bus, handler)  # the last attempt: the customer is told instead
    [message] = published(bus)
    assert message.meta["voice_error"] == "unavailable"
    assert steps.fetched == 2


async def test_permanent_failures_carry_their_reason(bus: Bus, tmp_path: Path) -> None:
    steps = Steps(tmp_path, fail=MediaTooLarge(limit=10, size=30))
    bus.publish(TOPIC, note().to_payload(), dedupe_key="telegram:3")
    bus.publish(TOPIC, note(duration="900").to_payload(), dedupe_key="telegram:4")
    handler = stage(bus, steps, tmp_path)
    await run_once(bus, handler)
    await run_once(bus, handler)
    reasons = sorted(m.meta["voice_error"] for m in published(bus))
    assert reasons == ["too_large", "too_long"]
    assert steps.fetched == 1  # the long one was refused before any download


async def test_a_message_after_a_waiting_note_is_handled_after_it(bus: Bus, tmp_path: Path) -> None:
    """Issue 21: a message typed after a voice note was answered before it (the note spent
    its download and transcription in the media stage, minutes when the agent was restarted
    meanwhile). While the note waits, the conversation's messages queue behind it."""
    ingest = WebhookIngest(
        bus=bus, events=WebhookEventStore(bus.db), collector=Collector("test"), channel="tg"
    )
    steps = Steps(tmp_path)
    typed = dataclasses.replace(
        note(), text="And do you deliver?", content_kind="text", correlation_id="typed",
        platform_message_id="8", meta={},
    )  # fmt: skip
    other = dataclasses.replace(typed, conversation_id="43", correlation_id="other")
    await ingest.publish(note(), dedupe_key="telegram:1", topic=TOPIC, behind=TOPIC)
    await ingest.publish(typed, dedupe_key="telegram:2", behind=TOPIC)
    await ingest.publish(other, dedupe_key="telegram:3", behind=TOPIC)  # no note waits there
    # A platform's redelivery of the typed message is absorbed where the first copy waits.
    await ingest.publish(typed, dedupe_key="telegram:2", behind=TOPIC)
    assert (bus.stats()[TOPIC].ready, bus.stats()[INBOUND].ready) == (2, 1)
    assert [m.correlation_id for m in published(bus)] == ["other"]

    handler = stage(bus, steps, tmp_path)
    await run_once(bus, handler)  # the note, transcribed
    await run_once(bus, handler)  # the typed message, passed on as it is
    assert steps.fetched == 1
    first, second = published(bus)
    assert (first.correlation_id, first.text) == ("c0ffee", "When do you open?")
    assert second == typed
    assert bus.stats()[TOPIC].done == 2
    # Nothing waits any more: the conversation's next message goes straight to inbound.
    later = dataclasses.replace(typed, correlation_id="later", platform_message_id="9")
    await ingest.publish(later, dedupe_key="telegram:4", behind=TOPIC)
    assert [m.correlation_id for m in published(bus)] == ["later"]
