"""Simple or complex: a rule-based classifier that costs microseconds and explains itself.

Each feature adds a weight to a score; the message is ``complex`` when the score reaches the
threshold (0.5 by default, tunable in the routing file). Features: length in words, number of
questions, reasoning words ("why", "explain", "compare", "step by step"), numbers together with
comparisons or arithmetic, conditionals, multi-step requests, sensitive topics (health, legal,
complaints), and the depth of the conversation. Short FAQ-style questions score near 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conversation import Conversation, MessageClass

_REASONING = re.compile(
    r"\b(?:why|explain|explains|reason|reasons|analy[sz]e|compare|comparison|difference|"
    r"differences|versus|vs|pros|cons|trade-?offs?|recommend|recommendation|should i|"
    r"which (?:one|is better)|better|best for|step by step|in detail|detailed|plan|strategy|"
    r"calculate|estimate|worth it)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:cheaper|cheapest|more|less|fewer|than|total|sum|altogether|combined|per|each|"
    r"discount|percent|difference|multiply|divide)\b|%|\+|\*|=",
    re.I,
)
_NUMBER = re.compile(r"\d")
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|otherwise|in case|would it|what happens|suppose)\b", re.I
)
_MULTI_STEP = re.compile(
    r"\b(?:first|then|after that|finally|and also|as well as)\b|^[ \t]*\d+[.)]", re.I | re.M
)
_SENSITIVE = re.compile(
    r"\b(?:pain|bleeding|allerg\w*|pregnan\w*|medication|symptoms?|emergency|lawyer|legal|"
    r"lawsuit|complain\w*|unacceptable|furious|disappointed|broken|damaged|never arrived)\b",
    re.I,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """The class of a message, its score and why (feature name -> weight added)."""

    label: MessageClass
    score: float
    reasons: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Classifier:
    """Scores a conversation's new message; ``complex`` at or above `threshold`."""

    threshold: float = 0.5

    def classify(self, conversation: Conversation) -> Classification:
        """Classify the last turn of `conversation`, explaining the score."""
        text = conversation.question
        words = len(text.split())
        reasons: list[tuple[str, float]] = []

        def add(name: str, weight: float) -> None:
            reasons.append((name, weight))

        if words > 60:
            add("long", 0.5)
        elif words > 30:
            add("longish", 0.25)
        questions = text.count("?")
        if questions >= 2:
            add("questions", min(0.15 * questions, 0.45))
        reasoning = len(_REASONING.findall(text))
        if reasoning:
            add("reasoning", min(0.3 * reasoning, 0.6))
        if _NUMBER.search(text) and _COMPARISON.search(text):
            add("arithmetic", 0.3)
        if _CONDITIONAL.search(text):
            add("conditional", 0.2)
        if _MULTI_STEP.search(text):
            add("multi_step", 0.2)
        if _SENSITIVE.search(text):
            add("sensitive", 0.5)
        depth = len(conversation.history)
        if depth >= 6:
            add("deep_conversation", 0.2)
        score = round(sum(weight for _, weight in reasons), 3)
        label: MessageClass = "complex" if score >= self.threshold else "simple"
        return Classification(label=label, score=score, reasons=tuple(reasons))
