"""Paraphrase matching: slots that change the answer block reuse; rewordings and typos do not.

The examples are a hardware shop, a dentist, a hostel and a cinema, in four languages.
"""

from __future__ import annotations

import pytest
from onebox_router.paraphrase import language, signature, similarity

THRESHOLD = 0.8


def reusable(a: str, b: str) -> bool:
    return similarity(signature(a), signature(b)) >= THRESHOLD


NEAR_MISSES = [
    ("is the hostel bar open on friday?", "is the hostel bar open on thursday?"),
    ("do you post orders to italy?", "do you post orders to france?"),
    ("how much is a ticket for an adult?", "how much is a ticket for a child?"),
    ("can I pay with cash at the counter?", "can I pay with a card at the counter?"),
    ("price of a 2 litre tin of paint?", "price of a 5 litre tin of paint?"),
    ("do you have vegetarian snacks at the bar?", "do you have vegan snacks at the bar?"),
    ("are screenings cheaper on weekdays?", "are screenings cheaper at the weekend?"),
    ("what time is check-in at the hostel?", "what time is check-out at the hostel?"),
    ("is there a shuttle from the airport?", "is there a shuttle from the station?"),
    ("do you open early on mondays?", "do you open late on mondays?"),
    ("is the cleaning appointment covered?", "is the cleaning appointment not covered?"),
    ("do you sell small paint brushes?", "do you sell large paint brushes?"),
    ("is there a discount for students?", "is there a discount for seniors?"),
    ("how much is a double room?", "how much is a twin room?"),
    ("is parking free in the morning?", "is parking free in the evening?"),
    ("can I rent an electric scooter?", "can I rent a scooter?"),
    ("do you cut keys?", "do you sell keys?"),
    ("how much is delivery?", "do you deliver?"),
    ("how long does a filling take?", "how much does a filling cost?"),
    ("do I need to bring my own sheets?", "do I need to bring my own towel?"),
    ("How do I turn notifications on?", "How do I turn notifications off?"),
    ("can I return a drill?", "can I exchange a drill?"),
    ("can I bring my dog to the screening?", "can I bring my cat to the screening?"),
    ("how do I book a cleaning?", "do I need to book a cleaning?"),
    ("how do I pay for delivery?", "how much is delivery?"),
    ("is the beginner class for advanced riders?", "how much notice for the beginner class?"),
    ("how far is the beach?", "how far in advance for the beach?"),
    ("vegan snacks at the bar?", "vegan snacks at the bar with no sugar?"),
    ("is the cake vegan?", "is the cake not vegan?"),
]
PARAPHRASES = [
    ("what are your opening hours?", "when are you open?"),
    ("are you open on saturdays?", "sat opening times?"),
    ("do you have gluten-free popcorn?", "any popcorn without gluten?"),
    ("can I pay by credit card?", "do you take card payments?"),
    ("is the dentist open on sunday?", "is the dentist opened on sundays"),
    ("do you sell gift vouchers?", "do u selll gift vouchers"),
    ("do you deliver to spain?", "shipping to spain?"),
    ("is there a student discount?", "student discount?"),
    ("do I have to bring a towel or do you provide one?", "are towels provided?"),
    ("is there a discount for kids?", "how much is it for kids?"),
    ("does the courier accept cash?", "can I pay the courier in cash?"),
    ("how much is delivery to lisbon?", "do I pay extra for delivery to lisbon?"),
    ("how far in advance should I book a table?", "how much notice do you need to book a table?"),
    ("a lesson for someone who has never surfed?", "a lesson for people who never surfed?"),
    ("any vegan snacks at the bar?", "vegan snacks at the bar, no eggs or milk?"),
    ("do you have vegetarian dishes?", "do you have vegetarian dishes without meat or fish?"),
]
ACROSS_LANGUAGES = [
    ("are you open on sunday?", "abren los domingos?"),
    ("are you open on sunday?", "vocês abrem ao domingo?"),
    ("are you open on sunday?", "vous êtes ouverts le dimanche ?"),
    ("¿aceptan tarjeta?", "aceitam cartão?"),
]


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_a_detail_that_changes_the_answer_blocks_reuse(a: str, b: str) -> None:
    assert not reusable(a, b)
    assert not reusable(b, a)


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_rewordings_and_typos_are_reused(a: str, b: str) -> None:
    assert reusable(a, b)
    assert reusable(b, a)


@pytest.mark.parametrize(("a", "b"), ACROSS_LANGUAGES)
def test_a_reply_is_never_reused_across_languages(a: str, b: str) -> None:
    assert not reusable(a, b)


def test_languages_are_told_apart_and_unsure_is_its_own_language() -> None:
    assert language("what time does the film start?") == "en"
    assert language("¿a qué hora empieza la película?") == "es"
    assert language("a que horas começa o filme? não sei") == "pt"
    assert language("à quelle heure commence le film ?") == "fr"
    assert language("popcorn??") == "und"


def test_signatures_keep_slots_apart_from_topics() -> None:
    sig = signature("Do you have vegan cakes on Saturday morning for 6 people?")
    assert {"diet=vegan", "day=sat", "part=morning", "n1=6", "lang=en"} <= sig.critical
    assert "@cake" in sig.tokens
    assert signature("??").empty


def test_a_word_with_one_more_letter_at_the_end_is_not_a_misspelling() -> None:
    # "advanced" is its own word, not a misspelt "advance" (notice); a letter lost inside a
    # word is still a misspelling.
    assert "@notice" not in signature("is it for advanced riders?").tokens
    assert "@notice" in signature("how far in advnce?").tokens
    assert "@beginner" in signature("any class for begiNers?").tokens


def test_a_person_described_is_not_a_person_asked_for() -> None:
    assert "@human" in signature("can I talk to someone?").tokens
    assert "@human" in signature("can a real person call me back?").tokens
    assert "@human" not in signature("a lesson for someone who has never surfed?").tokens


def test_a_negation_that_restates_the_diet_is_not_a_negation() -> None:
    assert "neg" not in signature("are your pastries vegan? no eggs or butter").critical
    assert "neg" in signature("vegan cake with no nuts?").critical
    assert "neg" in signature("no eggs?").critical  # no diet to restate
