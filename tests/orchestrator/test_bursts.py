"""Bursts: the fragment classifier and the wait policy, replayed over arrival times."""

from __future__ import annotations

import pytest
from onebox_orchestrator.bursts import BurstWindow, is_fragment, replay, reply_due

WINDOW = BurstWindow()

FRAGMENTS = [
    "hi",
    "Hello there!",
    "hola",
    "Olá!",
    "bonjour",
    "I ordered a monstera last week",
    "order 4411",
    "my phone is",
    "and also,",
    "quick question:",
    "I was wondering...",
    "tengo una pregunta sobre mi pedido y",
    "queria saber uma coisa",
    "j'ai commandé un cactus",
    "👋",
]
COMPLETE = [
    "What are your opening hours?",
    "do you ship to Spain?",
    "what time do you open on saturday",
    "¿Hacen envíos a Canarias?",
    "Vocês entregam em Braga?",
    "Est-ce que vous livrez à Lyon ?",
    "My order 4411 has not arrived yet.",
    "Thanks, that's all I needed!",
    "I would like to order two medium terracotta pots for my balcony plants",
    "",
]


@pytest.mark.parametrize("text", FRAGMENTS)
def test_fragments_wait(text: str) -> None:
    assert is_fragment(text)


@pytest.mark.parametrize("text", COMPLETE)
def test_complete_messages_are_answered_at_once(text: str) -> None:
    assert not is_fragment(text)


def test_a_fragment_waits_the_quiet_window_capped_from_the_first_message() -> None:
    assert reply_due("do you ship to Spain?", first_at=0.0, now=0.0, window=WINDOW) == 0.0
    assert reply_due("hi", first_at=0.0, now=0.0, window=WINDOW) == 1.5
    assert reply_due("order 4411", first_at=0.0, now=5.0, window=WINDOW) == 6.0
    assert reply_due("order 4411", first_at=0.0, now=7.0, window=WINDOW) == 7.0


def test_four_fragments_within_a_second_get_one_reply() -> None:
    burst = [(0.0, "hi"), (0.3, "I ordered a monstera"), (0.6, "order 4411"),
             (0.9, "it hasn't arrived, can you check?")]  # fmt: skip
    assert replay(burst, window=WINDOW) == [(0.9, 4)]  # the question ends it: no wait
    fragments_only = [(0.0, "hi"), (0.3, "my order"), (0.6, "4411"), (0.9, "not arrived")]
    assert replay(fragments_only, window=WINDOW) == [(2.4, 4)]
    assert len(replay(burst, window=WINDOW, decide=lambda _: False)) == 4


def test_four_messages_ten_seconds_apart_get_four_replies() -> None:
    spaced = [(0.0, "hi"), (10.0, "order 4411"), (20.0, "where is it"), (30.0, "thanks")]
    assert replay(spaced, window=WINDOW) == [(1.5, 1), (11.5, 1), (20.0, 1), (31.5, 1)]


def test_a_burst_that_keeps_going_is_answered_at_the_cap() -> None:
    chatty = [(float(t), "and") for t in range(0, 10)]
    assert replay(chatty, window=WINDOW) == [(6.0, 7), (10.5, 3)]
