"""FAQ entries in several languages: the file's ``[xx]`` lines, the offline answer in the
customer's language (reported for a voice note, recognised in typed text), and an honest
lead-in when the entry has no text in that language."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from onebox_router import (
    ConfigError,
    Conversation,
    FaqEntry,
    OfflineProvider,
    RouterSettings,
    Turn,
    build_router,
    load_faq,
    parse_faq,
)

HOURS_EN = "We're open Monday to Friday 9:00-19:00."
HOURS_ES = "Abrimos de lunes a viernes de 9:00 a 19:00."
HOURS_PT = "Abrimos de segunda a sexta, das 9:00 às 19:00."
SHIPPING_EN = "We ship within the EU. Shipping is 4.90 euros."
FAQ = f"""# Casa Verde

## What are your opening hours?
{HOURS_EN}

[es] {HOURS_ES}
[pt] {HOURS_PT}
Aos sábados, das 10:00 às 14:00.

## How much does shipping cost?
{SHIPPING_EN}

## Hello
Hi! I'm Casa Verde's assistant.
[fr] Bonjour ! Je suis l'assistant de Casa Verde.
"""


def entries() -> list[FaqEntry]:
    return parse_faq(FAQ)


def offline(seen: list[str | None] | None = None) -> OfflineProvider:
    def holding(question: str, /, language: str | None = None) -> str:
        if seen is not None:
            seen.append(language)
        return f"holding ({language})"

    return OfflineProvider(entries(), fallback=holding)


def test_translations_and_the_declared_language_parse_from_the_file() -> None:
    hours, shipping, hello = entries()
    assert hours.answer == HOURS_EN
    assert dict(hours.translations) == {
        "es": HOURS_ES,
        "pt": f"{HOURS_PT}\nAos sábados, das 10:00 às 14:00.",
    }
    assert (hours.language, shipping.translations, hello.translations) == (
        None, {}, {"fr": "Bonjour ! Je suis l'assistant de Casa Verde."},
    )  # fmt: skip
    [declared] = parse_faq("<!-- language: DE -->\n## Haben Sie offen?\nJa.\n[EN-gb] Yes.\n")
    assert (declared.language, dict(declared.translations)) == ("de", {"en": "Yes."})
    # A markdown link or a bracketed word is part of the answer, not a translation.
    [linked] = parse_faq("## Where?\n[Our map](https://example.com)\n[note] see the map\n")
    assert linked.answer == "[Our map](https://example.com)\n[note] see the map"
    assert linked.translations == {}


def test_a_bad_declared_language_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.md"
    path.write_text("<!-- language: english -->\n## Open?\nYes.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ONEBOX_FAQ_FILE .*faq\.md.*'english' is not a langu"):
        load_faq(path)


def test_typed_text_is_answered_in_its_language_when_the_entry_has_it() -> None:
    answerer = offline()
    assert answerer.answer("What are your opening hours?").text == HOURS_EN
    assert answerer.answer("¿A qué hora abren?").text == HOURS_ES
    assert answerer.answer("A que horas abrem?").text.startswith(HOURS_PT)
    # French is recognised, the entry has no French: the English answer, and it says so.
    french = answerer.answer("Quels sont vos horaires d'ouverture ?")
    assert french.model == "faq"
    assert french.text == f"Je n'ai cette réponse qu'en anglais :\n\n{HOURS_EN}"
    # Too short to tell the language: the entry's own text, without a lead-in.
    assert answerer.answer("opening hours?").text == HOURS_EN


def test_a_reported_language_wins_over_the_text_and_any_language_is_named_honestly() -> None:
    answerer = offline()
    # A transcript's language comes from the provider: Spanish even for a short text.
    assert answerer.answer("horario?", language="es").text == HOURS_ES
    spanish = answerer.answer("¿Cuánto cuesta el envío?", language="es")
    assert spanish.text == f"Solo tengo esta respuesta en inglés:\n\n{SHIPPING_EN}"
    # No fixed text in German: the lead-in is in English, like the answer it introduces.
    german = answerer.answer("How much does shipping cost?", language="de")
    assert german.text == f"I only have this answer in English:\n\n{SHIPPING_EN}"
    assert answerer.answer("How much does shipping cost?", language="en").text == SHIPPING_EN


def test_an_entry_written_in_the_customers_language_needs_no_translation() -> None:
    answerer = OfflineProvider([
        FaqEntry(question="¿Hacen envíos a Portugal?", answer="Sí, en 2 días.", language="es"),
        FaqEntry(question="Wie teuer ist der Versand?", answer="4,90 Euro."),
    ])  # fmt: skip
    assert answerer.answer("¿Hacen envíos a Portugal?").text == "Sí, en 2 días."
    assert answerer.answer("hacen envios a portugal", language="es").text == "Sí, en 2 días."
    # An entry in a language nobody declared or recognised: its text, with no false lead-in.
    assert answerer.answer("Wie teuer ist der Versand?", language="de").text == "4,90 Euro."


def test_greetings_and_the_fallback_follow_the_language() -> None:
    seen: list[str | None] = []
    answerer = offline(seen)
    assert answerer.answer("hello").text == "Hi! I'm Casa Verde's assistant."
    assert answerer.answer("bonjour", language="fr").text == (
        "Bonjour ! Je suis l'assistant de Casa Verde."
    )
    hola = answerer.answer("hola")
    assert (hola.model, hola.text) == ("greeting", "¡Hola! ¿En qué puedo ayudarte?")
    # Nothing matches: the holding reply is asked for, with the reported language.
    assert answerer.answer("¿Arreglan bicicletas?", language="es").text == "holding (es)"
    assert answerer.answer("Can you fix my bicycle?").text == "holding (None)"
    assert seen == ["es", None]


@pytest.mark.anyio
async def test_the_router_hands_the_conversations_language_to_the_offline_answer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "faq.md"
    path.write_text(FAQ, encoding="utf-8")
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(faq_file=path), http=http, db=None)
        try:
            spoken = Conversation(
                system="s", turns=[Turn(role="user", text="horario?")], language="pt"
            )
            reply = await router.route(spoken, deadline=None)
            typed = Conversation(system="s", turns=[Turn(role="user", text="horario?")])
            plain = await router.route(typed, deadline=None)
        finally:
            await router.aclose()
    assert (reply.provider, reply.model) == ("offline", "faq")
    assert reply.text.startswith(HOURS_PT)
    assert plain.text == HOURS_EN
