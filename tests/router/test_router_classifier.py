"""The classifier: cheap, explained, tunable."""

from __future__ import annotations

import pytest
from onebox_router import Classifier
from onebox_router.testing import conversation

SIMPLE = ["What are your opening hours?", "Do you ship to Spain?", "hi", "Gift cards?"]
COMPLEX = [
    "Should I buy the monstera or the fig for a dark office, and why? Which is cheaper to keep?",
    "If I order 3 pots at 12 each and 2 plants at 25, how much will I pay with the 10% discount?",
    "Can you explain step by step how to repot an orchid and compare bark versus moss?",
    "My cat ate a leaf and has symptoms, is it an emergency?",
]  # fmt: skip


@pytest.mark.parametrize("text", SIMPLE)
def test_short_faq_questions_are_simple(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple"
    assert result.score < 0.5


@pytest.mark.parametrize("text", COMPLEX)
def test_reasoning_arithmetic_and_sensitive_messages_are_complex(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex"
    assert result.reasons, "a complex verdict names its reasons"


def test_threshold_is_tunable_and_reasons_explain_the_score() -> None:
    text = "Which is better for a balcony, and why?"
    result = Classifier(threshold=5.0).classify(conversation(text))
    assert result.label == "simple"
    assert result.score == pytest.approx(sum(weight for _, weight in result.reasons))
    assert "reasoning" in dict(result.reasons)
    assert Classifier(threshold=0.1).classify(conversation(text)).label == "complex"


MULTILINGUAL_COMPLEX = [
    "We're 12 for a team lunch on the terrace, budget 250 euros: what menu would you suggest?",
    "somos 6, ¿qué tour nos recomiendas para un día de lluvia y cuánto sale en total?",
    "quero comparar a mensalidade com o pack de 10 entradas para ir duas vezes por semana",
    "quel forfait me conseillez-vous pour trois séances par semaine pendant deux mois ?",
    "I sprained my ankle last month, is it ok for me to do the climbing session?",
]
MULTILINGUAL_SIMPLE = [
    "do you have parking?",
    "¿a qué hora abren los sábados?",
    "vocês aceitam cartão?",
    "est-ce que le petit-déjeuner est inclus ?",
    "is it ok to bring a friend to watch?",
]


@pytest.mark.parametrize("text", MULTILINGUAL_COMPLEX)
def test_planning_comparison_and_judgement_are_complex_in_four_languages(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex", result.explanation


@pytest.mark.parametrize("text", MULTILINGUAL_SIMPLE)
def test_faq_questions_are_simple_in_four_languages(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple", result.explanation


def test_the_explanation_names_each_feature_and_the_verdict() -> None:
    result = Classifier().classify(conversation("Which plan is better for me, and why?"))
    assert result.explanation.startswith("complex ")
    assert "reasoning" in result.explanation
    assert Classifier().classify(conversation("hi")).explanation == "simple 0"


def test_my_first_visit_is_not_a_first_step() -> None:
    assert "multi_step" not in dict(Classifier().classify(conversation("my first class?")).reasons)
    steps = Classifier().classify(conversation("what do I sand first?"))
    assert "multi_step" in dict(steps.reasons)


def test_accents_are_folded_before_the_patterns_read_the_text() -> None:
    with_accents = Classifier().classify(conversation("¿Qué me recomiendas para mí?"))
    without = Classifier().classify(conversation("que me recomiendas para mi?"))
    assert with_accents.reasons == without.reasons
    assert "reasoning" in dict(with_accents.reasons)


@pytest.mark.parametrize("unit", ["a", "1 ", "my ", "i ", "o ", "or ", "which ", "? ", "é"])
def test_long_repetitive_inputs_are_read_in_linear_time(unit: str) -> None:
    # A backtracking pattern would take minutes on 20 KB; the same shape gives the same reasons.
    big = Classifier().classify(conversation(unit * (20_000 // len(unit))))
    small = Classifier().classify(conversation(unit * (600 // len(unit))))
    assert big.reasons == small.reasons
