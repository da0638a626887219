"""Bursts: the fragment classifier and the wait policy, replayed over arrival times."""

from __future__ import annotations

import pytest
from onebox_orchestrator.bursts import (
    BurstPolicy,
    BurstWindow,
    PolicyName,
    is_fragment,
    replay,
    reply_due,
    simulate,
)

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
    "ok so",
    "thanks, and",
    "okay and another thing",
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
    "thanks",
    "ok",
    "Ok thanks 🙏",
    "perfect",
    "vale, gracias",
    "muito obrigada!",
    "super merci",
    "merci beaucoup, bonne journée",
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
    # the greeting and the fragment wait; the question and the thanks are answered at once
    assert replay(spaced, window=WINDOW) == [(1.5, 1), (11.5, 1), (20.0, 1), (30.0, 1)]


def test_a_burst_that_keeps_going_is_answered_at_the_cap() -> None:
    chatty = [(float(t), "and") for t in range(0, 10)]
    assert replay(chatty, window=WINDOW) == [(6.0, 7), (10.5, 3)]


STREAMS = [
    [(0.0, "hi"), (0.3, "my order"), (0.6, "4411"), (0.9, "not arrived")],
    [(0.0, "hi"), (10.0, "order 4411"), (20.0, "where is it"), (30.0, "thanks")],
    [(float(t), "and") for t in range(0, 10)],
    [(0.0, "What are your opening hours?"), (0.5, "Do you deliver?"), (0.9, "hello")],
]


def policy(name: PolicyName) -> BurstPolicy:
    return BurstPolicy(name=name, window=WINDOW)


@pytest.mark.parametrize("arrivals", STREAMS)
def test_simulate_without_routing_time_is_the_reference_replay(
    arrivals: list[tuple[float, str]],
) -> None:
    replies = simulate(arrivals, policy=policy("decide"), route_s=0.0, fold=False)
    assert [(at, n) for at, n, _calls in replies] == replay(arrivals, window=WINDOW)


def test_decide_folds_what_arrives_while_a_complete_question_is_routed() -> None:
    arrivals = [(0.0, "do you ship to Spain?"), (0.5, "and to Portugal?"), (3.0, "thanks")]
    assert simulate(arrivals, policy=policy("decide"), route_s=0.8) == [(1.6, 2, 2), (3.8, 1, 1)]
    # without folding the second question is answered apart, after the first (per-key FIFO)
    assert simulate(arrivals, policy=policy("decide"), route_s=0.8, fold=False) == [
        (0.8, 1, 1), (1.6, 1, 1), (3.8, 1, 1),
    ]  # fmt: skip


def test_decide_waits_again_when_a_fragment_is_folded() -> None:
    arrivals = [(0.0, "do you ship to Spain?"), (0.5, "my order"), (1.5, "is 4411.")]
    # routed at 0, "my order" folded at 0.8: a fragment, the burst waits until 2.0, "is 4411."
    # ends the wait at 1.5 (complete): routed again at once
    assert simulate(arrivals, policy=policy("decide"), route_s=0.8) == [(2.3, 3, 2)]
    # fold routes the fragment at once instead, then again for the last message: one call more
    [(at, n, calls)] = simulate(arrivals, policy=policy("fold"), route_s=0.8)
    assert (at, n, calls) == (pytest.approx(2.4), 3, 3)


def test_off_answers_each_message_in_turn() -> None:
    arrivals = [(0.0, "hi"), (0.3, "my order")]
    assert simulate(arrivals, policy=policy("off"), route_s=0.8) == [(0.8, 1, 1), (1.6, 1, 1)]


def test_nothing_is_folded_past_the_cap() -> None:
    arrivals = [(0.0, "and"), (1.0, "and"), (2.0, "and"), (6.5, "where is it?")]
    # the fragments wait until 3.5, routed until 5.5 (< 6: still folding, nothing came)
    assert simulate(arrivals, policy=policy("decide"), route_s=2.0) == [(5.5, 3, 1), (8.5, 1, 1)]
