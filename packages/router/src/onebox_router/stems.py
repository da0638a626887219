"""Word roots in English, Spanish, Portuguese and French, for matching inflected words.

The concept tables (`onebox_router.slots`) list the forms customers use most ("renting",
"rental", "reservar"); a customer also writes "rent", "reservamos", "réservons". `root` cuts a
folded word (lower case, no accents) to its Snowball stem in the message's language, so an
inflection the tables do not list meets the listed word on one root
(`onebox_router.paraphrase`). The Snowball stemmers (the ``snowballstemmer`` package, pure
Python) are the standard algorithmic stemmers of these languages; they over-cut a little
("university" and "universe" share "univers"), which is why a root only ever links a word to a
*concept* of the tables, never to a slot, and links nothing when two concepts or a slot share
it.

A Snowball stemmer object keeps state between calls, so each thread gets its own.
"""

from __future__ import annotations

import functools
import threading
from typing import Protocol

#: The Snowball algorithm of each language the router recognises.
ALGORITHMS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
#: Words shorter than this are kept whole (a root of three letters says too little).
MIN_LETTERS = 4


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # the package's spelling


_local = threading.local()


def _stemmer(lang: str) -> _Stemmer:
    stemmers: dict[str, _Stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    found = stemmers.get(lang)
    if found is None:
        # Imported on first use: loading every language's stemmer takes ~0.2 s.
        import snowballstemmer  # type: ignore[import-untyped]  # the package ships no hints

        found = stemmers[lang] = snowballstemmer.stemmer(ALGORITHMS[lang])
    return found


@functools.lru_cache(maxsize=16384)
def root(word: str, lang: str) -> str:
    """The stem of folded `word` in `lang` (``en``, ``es``, ``pt``, ``fr``); `word` itself for
    another language, a short word, or one that is not all letters."""
    if lang not in ALGORITHMS or len(word) < MIN_LETTERS or not word.isalpha():
        return word
    stem = _stemmer(lang).stemWord(word)
    return stem if len(stem) >= MIN_LETTERS - 1 else word
