"""Voice notes in the inbound handler: a transcript is read like text, in the spoken language,
and traced; a note without one gets a fixed reply saying what to do, with no person promised,
unless a handoff desk is configured and no provider could listen to it: then it is escalated
to the operator chat and the reply says a person will answer."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import httpx
import pytest
from onebox_bus import Bus
from onebox_bus.contracts import InboundMessage
from onebox_bus.testing import FakeClock
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.holding import HoldingReplies
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import RouterSettings, build_router
from onebox_router.transcribe import Transcript, with_transcript, with_voice_error
from onebox_service import MessageJournal, read_journey

from .test_handler import ScriptedRouter, handle_all, outbound
from .test_handoff_desk import CUSTOMER, make_desk, make_handler, sent

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
        ("deadline", "cannot listen to voice messages right now"),
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


def unheard_note(reason: str) -> InboundMessage:
    note = with_voice_error(make_inbound("", content_kind="voice"), reason)  # type: ignore[arg-type]
    return dataclasses.replace(note, meta={**note.meta, "duration": "7"})


@pytest.mark.parametrize("reason", ["no_provider", "unavailable", "deadline"])
async def test_with_a_desk_a_note_nobody_could_hear_is_escalated(bus: Bus, reason: str) -> None:
    router = ScriptedRouter()
    desk = make_desk(bus, FakeClock(time.time()))
    publish_inbound(bus, unheard_note(reason))
    assert await handle_all(bus, make_handler(bus, router, desk)) == 1

    assert router.calls == []
    [to_customer], [post] = sent(bus)
    assert "a person will reply in this chat" in to_customer.text
    assert "Why: a voice note the bot could not listen to (" in post.text
    assert "Customer: [voice note, 7 s on Telegram, not transcribed]" in post.text
    assert "ask the customer to type it, or call them back" in post.text
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    assert handoff.reason == "voice_not_transcribed"
    assert handoff.post_correlation_id == post.correlation_id == to_customer.correlation_id


async def test_with_a_desk_a_note_the_customer_can_fix_is_not_escalated(bus: Bus) -> None:
    desk = make_desk(bus, FakeClock(time.time()))
    publish_inbound(bus, unheard_note("too_long"))
    await handle_all(bus, make_handler(bus, ScriptedRouter(), desk))

    [to_customer], posts = sent(bus)
    assert posts == []
    assert "send a shorter one, or type" in to_customer.text
    assert "a person" not in to_customer.text
    assert desk.open_for(CUSTOMER) is None


FAQ = """## What are your opening hours?
We're open Monday to Friday 9:00-19:00.
[es] Abrimos de lunes a viernes de 9:00 a 19:00.

## How much does shipping cost?
Shipping is 4.90 euros within Portugal.
"""


async def test_without_a_model_the_offline_answer_follows_the_spoken_or_typed_language(
    bus: Bus, tmp_path: Path
) -> None:
    """Issue 18: a voice note's reply is in the language the provider reported, when no model
    answers too: the FAQ's translation, an honest lead-in without one, or the holding reply
    in that language; typed text follows the language recognised in it."""
    faq = tmp_path / "faq.md"
    faq.write_text(FAQ, encoding="utf-8")
    holding = HoldingReplies()
    messages = {
        "spoken-es": with_transcript(make_inbound("", content_kind="voice", conversation_id="1"),
                                     heard("horario?", "es")),
        "spoken-pt": with_transcript(make_inbound("", content_kind="voice", conversation_id="2"),
                                     heard("How much does shipping cost?", "pt")),
        "spoken-es-unknown": with_transcript(
            make_inbound("", content_kind="voice", conversation_id="3"),
            heard("Reparan bicicletas", "es"),
        ),
        "typed-es": make_inbound("¿A qué hora abren?", conversation_id="4"),
        "typed-en": make_inbound("How much does shipping cost?", conversation_id="5"),
    }  # fmt: skip
    async with httpx.AsyncClient() as http:
        router = build_router(
            RouterSettings(faq_file=faq), http=http, db=None, holding=holding.reply
        )
        handler = InboundHandler(
            bus=bus, router=router, memory=ConversationMemory(bus.db, clock=bus.clock),
            personas=Personas.load(business="Casa Verde", holding=holding),
            holding=holding.reply,
        )  # fmt: skip
        for message in messages.values():
            publish_inbound(bus, message)
        assert await handle_all(bus, handler) == len(messages)
        await router.aclose()
    replies = {r.conversation_id: r.text for r in outbound(bus)}
    said = {name: replies[m.conversation_id] for name, m in messages.items()}
    assert said == {
        "spoken-es": "Abrimos de lunes a viernes de 9:00 a 19:00.",
        "spoken-pt": "Só tenho esta resposta em inglês:\n\nShipping is 4.90 euros within Portugal.",
        "spoken-es-unknown": "¡Gracias por tu mensaje! No puedo responder a eso por aquí; por "
        "favor, contacta directamente con nosotros.",
        "typed-es": "Abrimos de lunes a viernes de 9:00 a 19:00.",
        "typed-en": "Shipping is 4.90 euros within Portugal.",
    }
