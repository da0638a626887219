"""Voice notes in the inbound handler: a transcript is read like text, in the spoken language,
and traced; a note without one gets a fixed reply saying what to do, with no person promised."""

from __future__ import annotations

import dataclasses

import pytest
from onebox_bus import Bus
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router.transcribe import Transcript, with_transcript, with_voice_error
from onebox_service import MessageJournal, read_journey

from .test_handler import ScriptedRouter, handle_all, outbound

pytestmark = pytest.mark.anyio


def heard(text: str, language: str | None) -> Transcript:
    return Transcript(
        text=text, language=language, duration_s=3.5, provider="groq-whisper",
        model="whisper-large-v3-turbo", cost_usd=0.000111, latency_s=0.4,
    )  # fmt: skip


async def test_a_transcribed_note_is_answered_in_the_spoken_language_and_traced(
    bus: Bus,
) -> None:
    journal = MessageJournal("orchestrator", bus.db, clock=bus.clock)
    router = ScriptedRouter()
    handler = InboundHandler(
        bus=bus, router=router, memory=ConversationMemory(bus.db, clock=bus.clock),
        personas=Personas.load(business="Casa Verde"), journal=journal,
    )  # fmt: skip
    note = with_transcript(
        make_inbound("", content_kind="voice"), heard("Quanto custa o envio?", "pt")
    )
    publish_inbound(bus, note)
    assert await handle_all(bus, handler) == 1

    [(conversation, _)] = router.calls
    assert conversation.question == "Quanto custa o envio?"
    assert "voice message" in conversation.system
    assert "reply in Portuguese" in conversation.system
    [reply] = outbound(bus)
    assert reply.text == "echo: Quanto custa o envio?"
    journal.flush()
    [event] = [e for e in read_journey(bus.db, note.correlation_id) if e.step == "transcribed"]
    assert event.detail["provider"] == "groq-whisper"
    assert event.detail["seconds"] == 3.5
    assert event.detail["cost_usd"] == pytest.approx(0.000111)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("too_long", "send a shorter one, or type"),
        ("too_large", "too large"),
        ("not_audio", "could not open it"),
        ("gone", "could not open it"),
        ("no_provider", "cannot listen to voice messages right now"),
        ("unavailable", "cannot listen to voice messages right now"),
    ],
)
async def test_a_note_without_transcript_gets_a_clear_reply(
    bus: Bus, reason: str, expected: str
) -> None:
    router = ScriptedRouter()
    handler = InboundHandler(
        bus=bus, router=router, memory=ConversationMemory(bus.db, clock=bus.clock),
        personas=Personas.load(business="Casa Verde"),
    )  # fmt: skip
    publish_inbound(bus, with_voice_error(make_inbound("", content_kind="voice"), reason))  # type: ignore[arg-type]
    await handle_all(bus, handler)
    [reply] = outbound(bus)
    assert expected in reply.text
    assert "type" in reply.text
    assert router.calls == []  # no model asked
    for promise in ("colleague", "someone will", "a person", "get back to you"):
        assert promise not in reply.text


async def test_a_caption_with_a_failed_note_still_gets_the_voice_reply(bus: Bus) -> None:
    router = ScriptedRouter()
    handler = InboundHandler(
        bus=bus, router=router, memory=ConversationMemory(bus.db, clock=bus.clock),
        personas=Personas.load(business="Casa Verde"),
    )  # fmt: skip
    note = with_voice_error(make_inbound("listen", content_kind="audio"), "unavailable")
    publish_inbound(bus, dataclasses.replace(note))
    await handle_all(bus, handler)
    [reply] = outbound(bus)
    assert "cannot listen" in reply.text
