"""Honest holding replies: a person is promised only when a person is told.

Through the real router (its offline provider) and the real inbound handler on a SQLite bus,
in each configuration: no business file, a business file with contact and hours (open and
closed), an operator chat set (nothing is posted to it yet, so still no promise).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, OutboundMessage, outbound_topic
from onebox_bus.testing import FakeClock
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.holding import HoldingReplies
from onebox_orchestrator.main import load_holding
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import HOLDING_REPLY, Personas
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import Conversation, RouterSettings, Turn, build_router
from onebox_service import Business, SettingsError, build_settings, parse_business

pytestmark = pytest.mark.anyio

LISBON = ZoneInfo("Europe/Lisbon")
SATURDAY_EVENING = dt.datetime(2026, 3, 28, 20, 0, tzinfo=LISBON).timestamp()
TUESDAY_MORNING = dt.datetime(2026, 3, 31, 10, 0, tzinfo=LISBON).timestamp()
PROMISES = ("get back to you", "follow up", "will reply", "responderá", "vai responder")
UNANSWERABLE = "Can you fix my bicycle?"


def casa_verde() -> Business:
    return parse_business({
        "name": "Casa Verde",
        "time_zone": "Europe/Lisbon",
        "hours": {d: ["09:00-19:00"] for d in ("monday", "tuesday", "wednesday", "thursday",
                                                "friday")},
        "contact": {"phone": "+351 21 000 0000", "email": "hello@casaverde.example"},
    })  # fmt: skip


def promises_a_person(text: str) -> bool:
    return any(p in text.lower() for p in PROMISES)


async def offline_reply(holding: HoldingReplies, question: str) -> str:
    """The reply of the real router built as main() builds it (no provider: offline only)."""
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(), http=http, db=None, holding=holding.reply)
        try:
            asked = Conversation(system="s", turns=[Turn(role="user", text=question)])
            return (await router.route(asked, deadline=None)).text
        finally:
            await router.aclose()


async def test_without_business_file_or_operator_the_reply_asks_to_contact_directly() -> None:
    text = await offline_reply(HoldingReplies(), UNANSWERABLE)
    assert text == HOLDING_REPLY
    assert "please contact us directly" in text
    assert not promises_a_person(text)


async def test_outside_hours_the_reply_gives_the_contact_and_the_next_opening() -> None:
    holding = HoldingReplies(business=casa_verde(), clock=FakeClock(SATURDAY_EVENING))
    text = await offline_reply(holding, UNANSWERABLE)
    assert text == (
        "Thanks for your message! I can't answer that here. You can reach Casa Verde directly: "
        "+351 21 000 0000 · hello@casaverde.example. We are back Monday at 09:00."
    )
    spanish = await offline_reply(holding, "¿Pueden arreglar mi bicicleta?")
    assert spanish.endswith("Volvemos el lunes a las 09:00.")
    assert "+351 21 000 0000" in spanish
    assert not promises_a_person(spanish)


async def test_within_hours_the_reply_says_nothing_about_opening() -> None:
    holding = HoldingReplies(business=casa_verde(), clock=FakeClock(TUESDAY_MORNING))
    text = await offline_reply(holding, UNANSWERABLE)
    assert text.endswith("hello@casaverde.example.")
    assert "back" not in text


async def test_the_away_text_replaces_the_back_sentence() -> None:
    business = parse_business({
        "name": "Casa Verde", "time_zone": "Europe/Lisbon",
        "hours": {"monday": ["09:00-19:00"]}, "away_text": "Closed now; we open {opening}.",
    })  # fmt: skip
    holding = HoldingReplies(business=business, clock=FakeClock(SATURDAY_EVENING))
    text = await offline_reply(holding, UNANSWERABLE)
    assert text.endswith("please contact us directly. Closed now; we open Monday at 09:00.")


def test_only_a_notified_person_is_promised() -> None:
    told = HoldingReplies(
        business=casa_verde(), person_notified=True, clock=FakeClock(SATURDAY_EVENING)
    )
    assert told.reply(UNANSWERABLE) == (
        "Thanks for your message! I can't answer that here, so I have passed it to our team: "
        "a person will reply in this chat. We are back Monday at 09:00."
    )
    assert told.handed_over(UNANSWERABLE) == (
        "Thanks for your message! I have passed it to our team: a person will reply in this "
        "chat. We are back Monday at 09:00."
    )
    # A model's answer is not an escalation: it only points to asking for a person, which is.
    assert "ask here to talk to a person" in told.persona_instruction()
    assert "a person will reply" not in told.persona_instruction()


def test_personas_promise_no_person_and_carry_the_contact_and_hours() -> None:
    plain = Personas.load(business="Casa Verde").system_prompt("telegram")
    assert "{unknown}" not in plain
    assert "never promise that a person will follow up" in plain
    holding = HoldingReplies(business=casa_verde())
    prompt = Personas.load(business="Casa Verde", holding=holding).system_prompt("whatsapp")
    assert "reach the business directly (+351 21 000 0000; hello@casaverde.example)" in prompt
    assert "Opening hours: Monday 09:00-19:00;" in prompt
    assert "Saturday closed; Sunday closed (Europe/Lisbon)" in prompt


async def test_the_handler_holding_reply_follows_the_business_file(bus: Bus) -> None:
    class BrokenRouter:
        async def route(self, conversation: object, *, deadline: float) -> object:
            raise RuntimeError("boom")

    holding = HoldingReplies(business=casa_verde(), clock=FakeClock(SATURDAY_EVENING))
    handler = InboundHandler(
        bus=bus,
        router=BrokenRouter(),  # type: ignore[arg-type]
        memory=ConversationMemory(bus.db, clock=bus.clock, max_turns=10),
        personas=Personas.load(business="Casa Verde", holding=holding),
        holding=holding.reply,
    )
    publish_inbound(bus, make_inbound("Pouvez-vous réparer mon vélo ?"))
    for message in bus.claim(INBOUND, limit=1, consumer="test"):
        await handler(message)
    [reply] = [
        OutboundMessage.from_payload(m.payload)
        for m in bus.claim(outbound_topic("telegram"), limit=10, consumer="reader")
    ]
    assert reply.text.startswith("Merci pour votre message !")
    assert "Vous pouvez joindre Casa Verde directement" in reply.text
    assert reply.text.endswith("Nous serons de retour lundi à 09:00.")


async def test_an_unanswerable_question_through_handler_and_real_router(bus: Bus) -> None:
    holding = HoldingReplies(business=casa_verde(), clock=FakeClock(SATURDAY_EVENING))
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(), http=http, db=None, holding=holding.reply)
        handler = InboundHandler(
            bus=bus,
            router=router,
            memory=ConversationMemory(bus.db, clock=bus.clock, max_turns=10),
            personas=Personas.load(business="Casa Verde", holding=holding),
            holding=holding.reply,
        )
        publish_inbound(bus, make_inbound("Quero falar sobre a minha bicicleta avariada"))
        for message in bus.claim(INBOUND, limit=1, consumer="test"):
            await handler(message)
        await router.aclose()
    [reply] = [
        OutboundMessage.from_payload(m.payload)
        for m in bus.claim(outbound_topic("telegram"), limit=10, consumer="reader")
    ]
    assert reply.text.startswith("Obrigado pela sua mensagem!")
    assert reply.text.endswith("Voltamos na segunda-feira às 09:00.")
    assert not promises_a_person(reply.text)


def test_the_operator_chat_id_must_be_a_telegram_chat_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEBOX_OPERATOR_CHAT_ID", "-1001234567890")
    assert build_settings(OrchestratorSettings).operator_chat_id == -1001234567890
    for bad in ("@casaverde", "0", "12.5", "one"):
        monkeypatch.setenv("ONEBOX_OPERATOR_CHAT_ID", bad)
        with pytest.raises(SettingsError, match=r"ONEBOX_OPERATOR_CHAT_ID: .*Telegram chat id"):
            build_settings(OrchestratorSettings)


def test_a_person_is_promised_exactly_when_escalations_are_posted() -> None:
    posted = load_holding(OrchestratorSettings(operator_chat_id=4242))
    assert posted.person_notified
    assert promises_a_person(posted.reply(UNANSWERABLE))
    for settings in (
        OrchestratorSettings(),
        OrchestratorSettings(operator_chat_id=4242, handoff_enabled=False),
    ):
        holding = load_holding(settings)
        assert not holding.person_notified
        assert not promises_a_person(holding.reply(UNANSWERABLE))


def test_a_bad_business_file_stops_the_orchestrator_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "business.toml"
    path.write_text('name = "Casa Verde"\ntime_zone = "Europe/Lisbon"\n[hours]\nmonday = '
                    '["09:00-25:00"]\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(SystemExit) as stopped:
        load_holding(OrchestratorSettings(business_file=path))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ONEBOX_BUSINESS_FILE: hours.monday[0]:" in err
