"""Escalation triggers: asking for a person in four languages, keywords, intents, failures."""

from __future__ import annotations

import pytest
from onebox_orchestrator.escalation import INTENTS, EscalationRules, asks_for_person, decide
from onebox_service import Handoff
from onebox_service.business import KNOWN_INTENTS

ASKS = [
    "can I talk to a human?",
    "Can I speak with someone please",
    "I want to talk to a real person",
    "please connect me to an agent",
    "I need a human",
    "HUMAN!!",
    "agent please",
    "quiero hablar con una persona",
    "¿Puedo hablar con alguien del equipo?",
    "necesito un asesor",
    "quero falar com um atendente",
    "Posso falar com alguém?",
    "atendimento humano por favor",
    "je veux parler à quelqu'un",
    "Je voudrais parler avec un conseiller",
    "passez-moi un responsable svp",
    "Can I speak to the manager?",
]
NOT_ASKS = [
    "is the person at the counter vegan-friendly?",
    "does someone deliver on Sundays?",
    "the agent who sold me the monstera was lovely",
    "I don't want to talk to a human, just tell me the price",
    "¿la persona que atiende habla inglés?",
    "falar com você é fácil!",
    "I spoke to someone yesterday about order 4411",
    "our human resources team needs an invoice",
    "can you talk to my plants?",
    "je ne veux pas parler à quelqu'un, juste le prix",
    "quelqu'un peut livrer samedi ?",
]


@pytest.mark.parametrize("text", ASKS)
def test_asking_for_a_person_is_recognised(text: str) -> None:
    assert asks_for_person(text)
    decision = decide(text, rules=EscalationRules())
    assert decision.escalate
    assert decision.reason == "asked_for_person"


@pytest.mark.parametrize("text", NOT_ASKS)
def test_mentioning_a_person_is_not_asking_for_one(text: str) -> None:
    assert not asks_for_person(text)
    assert not decide(text, rules=EscalationRules()).escalate


def test_keywords_match_whole_words_regardless_of_case_and_accents() -> None:
    rules = EscalationRules.from_handoff(Handoff(keywords=("broken pot", "devolução")))
    decision = decide("My BROKEN  POT arrived today", rules=rules)
    assert (decision.reason, decision.detail) == ("keyword", "broken pot")
    assert decide("quero a devolucao", rules=rules).detail == "devolução"
    assert not decide("my pots are not broken", rules=rules).escalate
    assert not decide("unbroken pottery", rules=rules).escalate


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want a refund for order 4411", "refund"),
        ("¿me pueden reembolsar?", "refund"),
        ("quero o meu dinheiro de volta", "refund"),
        ("je demande le remboursement", "refund"),
        ("I'd like to file a complaint", "complaint"),
        ("quiero poner una queja", "complaint"),
        ("vou fazer uma reclamação", "complaint"),
        ("je veux déposer une plainte", "complaint"),
    ],
)
def test_intents_named_in_the_business_file_escalate(text: str, intent: str) -> None:
    rules = EscalationRules.from_handoff(Handoff(intents=("refund", "complaint")))
    decision = decide(text, rules=rules)
    assert (decision.escalate, decision.reason, decision.detail) == (True, "intent", intent)
    assert not decide(text, rules=EscalationRules()).escalate  # only when the file names it


def test_an_unanswered_message_and_repeated_failures_escalate() -> None:
    rules = EscalationRules()
    assert decide("do you sell bonsai scissors?", rules=rules, unanswered=True).reason == (
        "unanswered"
    )
    assert not decide("do you sell bonsai scissors?", rules=rules, failures=1).escalate
    twice = decide("hello again?", rules=rules, failures=2)
    assert (twice.reason, twice.detail) == ("repeated_failure", "2")
    assert decide("hello again?", rules=EscalationRules(failure_limit=3), failures=2) == (
        decide("fine", rules=rules)
    )


def test_a_request_for_a_person_wins_over_other_triggers() -> None:
    rules = EscalationRules(keywords=("refund",))
    assert decide("refund! let me talk to a human", rules=rules, unanswered=True).reason == (
        "asked_for_person"
    )


def test_the_business_file_knows_the_same_intents() -> None:
    assert set(INTENTS) == set(KNOWN_INTENTS)
