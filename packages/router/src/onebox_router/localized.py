"""An FAQ answer in the customer's language, or an honest word that it exists only in another.

The offline answerer replies with an entry's text. The customer's language is the one a
transcription provider reported for a voice note, or else the one `paraphrase.language`
recognises in typed text (English, Spanish, Portuguese or French; nothing when unsure). An
entry is written in its declared language, or the one recognised in its question and answer,
and may carry its answer in other languages (translations: the FAQ file's ``[xx]`` lines,
``onebox faq add --id ID --lang xx``). `pick` then chooses:

- the language is unknown, or the entry's own: the entry's answer;
- a translation in that language exists: the translation;
- otherwise the entry's answer after a short lead-in, in the customer's language when it is
  one of the four the fixed texts are written in (English otherwise), saying the answer is
  only available in the entry's language. The reply never passes a text off as a translation.

A greeting without a translation is answered with a short greeting in the customer's language
(one of the four) rather than with a lead-in. Language codes are ISO 639-1 (``es``), or 639-3
where Whisper uses it (``haw``), lower case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .paraphrase import language as recognise

_CODE = re.compile(r"^[a-z]{2,3}$")
#: Languages the fixed texts (lead-ins, greetings, holding replies) are written in.
WRITTEN = ("en", "es", "pt", "fr")

_LEAD_IN = {
    "en": "I only have this answer in {language}:",
    "es": "Solo tengo esta respuesta en {language}:",
    "pt": "Só tenho esta resposta em {language}:",
    "fr": "Je n'ai cette réponse qu'en {language} :",
}
_LEAD_IN_OTHER = {
    "en": "I only have this answer in another language:",
    "es": "Solo tengo esta respuesta en otro idioma:",
    "pt": "Só tenho esta resposta noutro idioma:",
    "fr": "Je n'ai cette réponse que dans une autre langue :",
}
#: The name of an entry's language, in each language a lead-in is written in.
_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French",
           "de": "German", "it": "Italian", "nl": "Dutch"},
    "es": {"en": "inglés", "es": "español", "pt": "portugués", "fr": "francés",
           "de": "alemán", "it": "italiano", "nl": "neerlandés"},
    "pt": {"en": "inglês", "es": "espanhol", "pt": "português", "fr": "francês",
           "de": "alemão", "it": "italiano", "nl": "neerlandês"},
    "fr": {"en": "anglais", "es": "espagnol", "pt": "portugais", "fr": "français",
           "de": "allemand", "it": "italien", "nl": "néerlandais"},
}  # fmt: skip
GREETINGS = {
    "en": "Hi! How can I help you today?",
    "es": "¡Hola! ¿En qué puedo ayudarte?",
    "pt": "Olá! Em que posso ajudar?",
    "fr": "Bonjour ! Comment puis-je vous aider ?",
}


def language_code(value: str) -> str:
    """`value` as a language code (``"ES"`` -> ``"es"``, ``"pt-BR"`` -> ``"pt"``).

    Raises:
        ValueError: not a language code (two or three letters, optionally a region).
    """
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if not _CODE.match(code):
        raise ValueError(f"{value!r} is not a language code (two letters, like 'es' or 'pt')")
    return code


def text_language(text: str) -> str | None:
    """The language recognised in `text` (one of `WRITTEN`), or None when unsure."""
    found = recognise(text)
    return None if found == "und" else found


@dataclass(frozen=True, slots=True)
class Localized:
    """What the customer is sent: the text, and the language it is in (None: unknown)."""

    text: str
    language: str | None


def pick(
    answer: str,
    *,
    entry_language: str | None,
    translations: Mapping[str, str],
    wanted: str | None,
) -> Localized:
    """The entry's text for a customer speaking `wanted` (see the module docstring)."""
    if wanted is None or wanted == entry_language:
        return Localized(answer, entry_language)
    translated = translations.get(wanted)
    if translated is not None:
        return Localized(translated, wanted)
    if entry_language is None:
        # Nobody knows what the entry is written in: it may well be the customer's language.
        return Localized(answer, None)
    said = wanted if wanted in _LEAD_IN else "en"
    name = _NAMES[said].get(entry_language)
    lead = _LEAD_IN[said].format(language=name) if name else _LEAD_IN_OTHER[said]
    return Localized(f"{lead}\n\n{answer}", entry_language)


def greet(
    answer: str | None,
    *,
    entry_language: str | None,
    translations: Mapping[str, str],
    wanted: str | None,
) -> str:
    """The reply to a bare greeting: the FAQ's greeting entry (`answer`, None without one) in
    the customer's language when it has it, else a short greeting in that language."""
    if answer is not None:
        if wanted is None or wanted == entry_language or entry_language is None:
            return answer
        if wanted in translations:
            return translations[wanted]
        if wanted not in GREETINGS:
            return answer
    return GREETINGS.get(wanted or "en", GREETINGS["en"])
