"""Word roots: inflections the concept tables do not list meet the listed word, in four
languages, and a root links a word to a concept only, never to a slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from onebox_router.paraphrase import signature
from onebox_router.stems import root


@pytest.mark.parametrize(
    ("inflected", "listed", "lang"),
    [
        ("booked", "book", "en"),
        ("reservamos", "reservar", "es"),
        ("reservei", "reservar", "pt"),
        ("reserve", "reserver", "fr"),
    ],
)
def test_an_inflection_shares_the_root_of_the_listed_word(
    inflected: str, listed: str, lang: str
) -> None:
    assert root(inflected, lang) == root(listed, lang)


def test_short_words_other_languages_and_non_words_are_kept_whole() -> None:
    assert root("bus", "en") == "bus"
    assert root("booked", "und") == "booked"
    assert root("booked", "de") == "booked"
    assert root("10am", "en") == "10am"


def test_each_thread_stems_on_its_own() -> None:
    words = [f"{stem}{ending}" for stem in ("book", "deliver", "repair") for ending in
             ("ed", "ing", "s", "er")] * 50  # fmt: skip
    serial = [root(word + "x", "en") for word in words]
    root.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda word: root(word + "x", "en"), words))
    assert threaded == serial


@pytest.mark.parametrize(
    ("inflected", "listed"),
    [
        ("can I rent a bike?", "bike rental?"),
        ("¿reservamos una clase?", "¿reservar una clase?"),
    ],
)
def test_an_unlisted_inflection_reads_as_the_concept(inflected: str, listed: str) -> None:
    assert signature(inflected).tokens == signature(listed).tokens


def test_a_root_never_sets_a_slot_and_a_past_participle_links_nothing() -> None:
    # "lately" shares its root with "late" (a direction slot): it stays a plain topic.
    assert not any(slot.startswith("dir=") for slot in signature("open lately?").critical)
    # "advanced" shares its root with "advance" (notice), but it is a level.
    assert "@notice" not in signature("is it for advanced riders?").tokens
