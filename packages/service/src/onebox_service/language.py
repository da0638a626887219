"""A small guess at a customer's language among the ones fixed replies are written in.

The models answer in any language; the fixed texts (holding replies, "we are back Monday at
09:00") exist in English, Spanish, Portuguese and French. This picks one of those from a
message by counting common words and a few letters only one of them uses; English is the
answer when nothing points elsewhere. It is a hint for wording, never a decision.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "es", "pt", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "es", "pt", "fr")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_COMMON: dict[Language, frozenset[str]] = {
    "en": _words(
        "the and is are you your my i to of it do does can what when where how this that "
        "have has with for please hi hello thanks order not"
    ),
    "es": _words(
        "el la los las y es son usted tu mi yo de que qué cuándo dónde cómo por para con "
        "tienen tiene puedo quiero hola gracias pedido no está están hay una un muy "
        "cuánto cuesta envían"
    ),
    "pt": _words(
        "o a os as e é são você vocês meu minha eu de que quando onde como por para com "
        "têm tem posso quero olá obrigado obrigada encomenda pedido não está estão um uma "
        "muito quanto custa enviam do da no na"
    ),
    "fr": _words(
        "le la les et est sont vous votre mon ma je de que quand où comment pour avec "
        "avez avons peux veux bonjour merci commande ne pas une un très combien coûte "
        "du au des c'est j'ai qu'est"
    ),
}
_LETTERS: dict[Language, str] = {"es": "ñ¿¡", "pt": "ãõ", "fr": "èêëœîû"}


def guess_language(text: str) -> Language:
    """The most likely of `LANGUAGES` for `text` ("en" when unsure)."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    scores = {lang: sum(w in common for w in words) for lang, common in _COMMON.items()}
    for lang, letters in _LETTERS.items():
        scores[lang] += 2 * sum(text.count(ch) for ch in letters)
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    return best if scores[best] > scores["en"] else "en"
