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
