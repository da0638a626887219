"""Anchoring on FAQ entries: rewordings of an entry share a key; details the entry does not
fix, other entries and other languages never do. A real cache on a SQLite file.

The FAQ is a hostel's, unlike any business of the evaluation sets.
"""

from __future__ import annotations

import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import FaqEntry, OfflineProvider, ResponseCache, namespace, parse_faq
from onebox_router.anchor import FaqAnchors, anchor_of
from onebox_router.paraphrase import signature

NS = namespace("You are the Rio hostel's assistant.", "v1")
FAQ = parse_faq(
    """
## What time is check-in?
From 14:00 to 23:00.

## What time is check-out?
By 11:00.

## How much is a dorm bed on weekdays?
€22 per night, Sunday to Thursday.

## How much is a dorm bed at the weekend?
€28 per night on Friday and Saturday.

## Do you have lockers?
Yes, every bed has a locker; bring a padlock or buy one for €5. Earplugs are free.

## Do you rent towels?
Yes, a towel is €2 for the whole stay.

## Is there a kitchen?
Yes, a shared kitchen open from 7:00 to 23:00.

## Do you have a bar?
Yes, the bar is open from 18:00 to 01:00.

## Do you run walking tours?
A free walking tour leaves the hostel at 10:00 every day.

## Is breakfast included?
Breakfast is €6, served from 7:30 to 10:30.
"""
)


def keyed(text: str, faq: list[FaqEntry] = FAQ) -> str:
    return FaqAnchors(faq).key(signature(text), text).key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("when can I check in?", "what time is check-in?"),
        ("what's the check-in time", "check in from what time?"),
        ("how much is a dorm bed on a tuesday?", "dorm price on weekdays?"),
        ("is there a kitchen we can use", "is there a kitchen?"),
    ],
)
def test_rewordings_of_an_entry_share_its_key(a: str, b: str) -> None:
    assert anchor_of(FaqAnchors(FAQ).key(signature(a))) is not None, a
    assert keyed(a) == keyed(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("what time is check-in?", "what time is check-out?"),
        ("dorm bed price on weekdays?", "dorm bed price at the weekend?"),
        ("how much is a dorm bed on saturday?", "how much is a dorm bed on tuesday?"),
        ("do you rent towels?", "do you have lockers?"),
        ("is breakfast included?", "is breakfast included for kids?"),
        ("is there a kitchen?", "is there no kitchen?"),
        ("do you rent towels?", "do you rent towels for cash?"),
        ("what time is check-in?", "a que hora es el check-in?"),
    ],
)
def test_a_detail_the_entry_does_not_fix_keeps_questions_apart(a: str, b: str) -> None:
    assert keyed(a) != keyed(b)


def test_a_question_about_two_entries_or_none_is_not_anchored() -> None:
    anchors = FaqAnchors(FAQ)
    assert anchors.match(signature("do you run walking tours on sundays?")) is not None
    # "bar" is another entry's topic: this message is not a reworded walking-tour question.
    assert anchors.match(signature("do you run walking tours to the bar?")) is None
    assert anchors.match(signature("do you sell bus tickets?")) is None
    assert anchors.match(signature("hi")) is None
    assert FaqAnchors([]).match(signature("what time is check-in?")) is None


def test_the_cache_serves_a_reworded_faq_question_and_forgets_a_changed_entry(
    db: Database, clock: FakeClock
) -> None:
    cache = ResponseCache(db, clock=clock, ttl_s=3600.0, anchors=FAQ)
    assert cache.store(NS, "what time is check-in?", "From 14:00.", provider="groq", model="m")
    hit = cache.lookup(NS, "when can I check in?")
    assert hit is not None
    assert (hit.answer, hit.match) == ("From 14:00.", "exact")
    assert cache.lookup(NS, "what time is check-out?") is None
    assert cache.lookup(NS, "¿a qué hora es el check-in?") is None
    changed = [
        FaqEntry(question=e.question, answer="From 15:00.") if "check-in" in e.question else e
        for e in FAQ
    ]
    cache.anchor(changed)
    assert cache.lookup(NS, "when can I check in?") is None
    assert cache.lookup(NS, "what time is check-in?") is None


def test_only_unknown_words_lower_the_bar_between_rewordings_of_an_entry(
    db: Database, clock: FakeClock
) -> None:
    cache = ResponseCache(db, clock=clock, ttl_s=3600.0, anchors=FAQ)
    assert cache.store(NS, "do you rent towels?", "Yes, €2.", provider="groq", model="m")
    # An unknown word on top of the entry's question is a detail: the entry's reply serves.
    hit = cache.lookup(NS, "do you rent towels? mine got soggy")
    assert hit is not None
    assert hit.match == "similar"
    # A topic the tables know ("paid") asks something else about the entry.
    assert cache.lookup(NS, "do you rent towels? are they paid separately?") is None
    # So does a word of the FAQ ("earplugs" is in the lockers answer).
    assert cache.lookup(NS, "do you rent towels and earplugs?") is None


def test_without_anchors_the_cache_keys_on_the_message_alone(
    db: Database, clock: FakeClock
) -> None:
    cache = ResponseCache(db, clock=clock, ttl_s=3600.0)
    assert cache.store(NS, "dorm price on weekdays?", "€22.", provider="groq", model="m")
    assert cache.lookup(NS, "how much is a dorm bed on a tuesday?") is None
    cache.anchor(FAQ)
    assert cache.store(NS, "dorm price on weekdays?", "€22.", provider="groq", model="m")
    assert cache.lookup(NS, "how much is a dorm bed on a tuesday?") is not None


def test_the_offline_answerer_maps_questions_onto_the_faq() -> None:
    offline = OfflineProvider(FAQ)
    assert offline.answer("when can we check in?").text == "From 14:00 to 23:00."
    assert offline.answer("dorm bed price on a wednesday?").text.startswith("€22")
    assert offline.answer("dorm bed price on a saturday?").text.startswith("€28")
    # A detail the entry does not fix: no FAQ answer rather than a wrong one.
    assert offline.answer("is breakfast included for kids?").model == "fallback"
    assert offline.answer("can I park a car?").model == "fallback"


def test_an_unsure_language_reads_as_the_faqs_when_every_word_is_the_faqs() -> None:
    anchors = FaqAnchors(FAQ)
    # No function word tells "kitchen?" apart, but it is a word of this English FAQ.
    assert keyed("kitchen?") == keyed("is there a kitchen?")
    assert "lang=en" in anchors.key(signature("lockers??"), "lockers??").critical
    # A word the FAQ does not use leaves the language unsure: no English reply is served.
    assert "lang=und" in anchors.key(signature("cozinha?"), "cozinha?").critical
    assert "lang=und" in anchors.key(signature("sabado?"), "sabado?").critical
    # Without the text (the offline answerer's match), nothing changes.
    assert "lang=und" in anchors.key(signature("kitchen?")).critical


def test_the_cache_serves_a_one_word_question_in_the_faqs_language(
    db: Database, clock: FakeClock
) -> None:
    cache = ResponseCache(db, clock=clock, ttl_s=3600.0, anchors=FAQ)
    assert cache.store(NS, "is there a kitchen?", "Yes.", provider="groq", model="m")
    assert cache.lookup(NS, "kitchen?") is not None
    assert cache.lookup(NS, "cozinha?") is None
