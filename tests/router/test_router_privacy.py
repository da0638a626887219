"""What may never use the cache: personal data and context-dependent messages."""

from __future__ import annotations

import pytest
from onebox_router import cache_exclusion, depends_on_history, personal_reasons
from onebox_router.testing import conversation

PERSONAL = {
    "Where is my order #4521?": "reference",
    "my email is ana.silva@example.com": "email",
    "call me on +351 912 345 678": "phone",
    "I was charged €45 twice": "account",
    "I paid 30 euros for shipping": "account",
    "Please send it to 12 Baker Street": "address",
    "Hi, my name is Maria": "name",
    "Has my refund gone through?": "account",
    "order A1B2C3 hasn't arrived": "reference",
    "my tracking code is 7789123456": "long_number",
}
NOT_PERSONAL = [
    "What are your opening hours?",
    "Are you open on Saturday 24 December?",
    "How many days does shipping take, 3 or 5?",
    "Do you sell gift cards?",
    "Is the monstera safe for cats?",
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL.items())
def test_personal_data_is_detected(text: str, kind: str) -> None:
    assert kind in personal_reasons(text)
    assert cache_exclusion(conversation(text)) is not None


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_generic_questions_are_not_personal(text: str) -> None:
    assert personal_reasons(text) == []
    assert cache_exclusion(conversation(text)) is None


def test_follow_ups_depend_on_the_conversation() -> None:
    history = (("user", "Are you open on Saturday?"), ("assistant", "Yes, 10-14."))
    assert depends_on_history(conversation("And on Sunday?", *history))
    assert depends_on_history(conversation("How much is it?", *history))
    assert depends_on_history(conversation("why?", *history))
    assert cache_exclusion(conversation("and that one?", *history)) == "context"
    assert not depends_on_history(conversation("And on Sunday?"))
    assert not depends_on_history(conversation("Do you sell gift cards?", *history))
