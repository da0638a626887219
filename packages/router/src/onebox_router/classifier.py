"""Simple or complex: a rule-based classifier that costs microseconds and explains itself.

Each feature adds a weight to a score; the message is ``complex`` when the score reaches the
threshold (0.5 by default, tunable in the routing file). Features: length in words, number of
questions, reasoning words ("why", "explain", "compare", "step by step"), numbers together with
comparisons or arithmetic, conditionals, multi-step requests, sensitive topics (health, legal,
complaints), and the depth of the conversation. Short FAQ-style questions score near 0. The
patterns read the text lowercased with its accents folded, so "qué" and "que" are one word.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .conversation import Conversation, MessageClass

#: Accents and curly apostrophes folded away, so one accentless pattern reads "qué", "que" and
#: "orçamento". "ù" is kept: folded, French "où" (where) would read as "ou" (or).
_FOLD = str.maketrans("áàâãäéèêëíìîïóòôõöúûüçñ’‘", "aaaaaeeeeiiiiooooouuucn''")

_REASONING = re.compile(
    r"\b(?:why|explain|explains|reason|reasons|analy[sz]e|compare|comparing|comparison|"
    r"difference|differences|versus|vs|pros|cons|trade-?offs?|recommend|recommendation|"
    r"recommendations|suggest|suggestion|propose|advise|advice|should i|should we|"
    r"which (?:one|is better|would you|works out|of your|is best|is cheaper)|"
    r"better|best for|best value|worth it|step by step|in detail|detailed|plan|planning|"
    r"strategy|calculate|estimate|figure out|work out|works out|do the math|do the maths|"
    r"put together|come to|total cost|budget|itinerary|quote|"
    # es / pt / fr
    r"por que|porque|recomienda\w*|recomenda\w*|recommande\w*|conseill\w*|aconseja\w*|"
    r"aconselha\w*|sugier\w*|sugere\w*|suggere\w*|comparar|comparer|mejor|melhor|"
    r"meilleur|presupuesto|orcamento|quanto fica|cuanto sale|combien au total|"
    r"vale la pena|vale a pena|ca vaut)\b",
)
_COMPARISON = re.compile(
    r"\b(?:cheaper|cheapest|more|less|fewer|than|total|sum|altogether|combined|per|each|"
    r"discount|percent|difference|multiply|divide|budget|including|incl|with delivery)\b"
    r"|%|\+|\*|=",
)
_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|"
    r"dos|tres|cuatro|cinco|seis|dois|quatro|deux|trois|quatre|cinq)\b",
)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|otherwise|in case|would it|what happens|suppose|si|se|caso)\b"
)
_MULTI_STEP = re.compile(
    r"(?<!my )(?<!our )(?<!your )(?<!the )(?<!a )\bfirst\b|"
    r"\b(?:then|after that|finally|and also|as well as)\b|^[ \t]*\d+[.)]",
    re.M,
)
#: Judgement about the sender's own body, health or safety: a careful answer, never a canned one.
_SENSITIVE = re.compile(
    r"\b(?:pain|bleeding|allerg\w*|pregnan\w*|medication|symptoms?|emergency|lawyer|legal|"
    r"lawsuit|complain\w*|unacceptable|furious|disappointed|broken|damaged|never arrived|"
    r"injur\w*|surgery|herniated|osteoporosis|arthritis|condition|safe for me|ok for me|"
    r"embarazada|gravida|enceinte|lesion|lesao|blessure|dolor|douleur|dor|"
    r"squashed|missing|"
    r"adequad[ao]|adecuad[ao]|adapte)\b",
)
#: Several questions in one message ("which classes? and how many a week?").
_SECOND_QUESTION = re.compile(
    r"\?[^?]*\b(?:and|or|also|y|e|et|ou|o)\b[^?]*\?|\band (?:how|what|which|when|where|"
    r"would|is|are|do|can|should)\b|\by (?:cuanto|como|que|cual)|\be (?:quanto|como|qual|"
    r"o que)|\bet (?:combien|comment|quel)",
)
#: A scenario: how many people, nights or sessions ("30 people", "tres noches", "2x/week").
_PEOPLE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|ten|twelve|twenty|thirty|forty|fifty|dos|tres|"
    r"cuatro|cinco|seis|diez|dois|duas|quatro|dez|deux|trois|quatre|cinq|dix)\s?"
    r"(?:people|persons|ppl|pax|guests|adults|kids|children|pessoas|personas|personnes|"
    r"adultos|adultes|ninos|criancas|enfants|times a week|times per week|"
    r"x/week|x a week|x per week|nights|noches|noites|nuits|weeks|semanas|semaines|months|"
    r"meses|mois|vezes|veces|fois|sessions|sesiones|sessoes|seances|classes|"
    r"clases|aulas|cours)\b",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """The class of a message, its score and why (feature name -> weight added)."""

    label: MessageClass
    score: float
    reasons: tuple[tuple[str, float], ...]

    @property
    def explanation(self) -> str:
        """One line for the trace: ``complex 0.8 = reasoning 0.3 + sensitive 0.5``."""
        parts = " + ".join(f"{name} {weight:g}" for name, weight in self.reasons)
        return f"{self.label} {self.score:g} = {parts}" if parts else f"{self.label} 0"


@dataclass(frozen=True, slots=True, kw_only=True)
class Classifier:
    """Scores a conversation's new message; ``complex`` at or above `threshold`."""

    threshold: float = 0.5

    def classify(self, conversation: Conversation) -> Classification:
        """Classify the last turn of `conversation`, explaining the score."""
        text = conversation.question
        reasons = list(_remembered(text) if len(text) <= MEMO_CHARS else _text_reasons(text))
        if len(conversation.history) >= 6:
            reasons.append(("deep_conversation", 0.2))
        score = round(sum(weight for _, weight in reasons), 3)
        label: MessageClass = "complex" if score >= self.threshold else "simple"
        return Classification(label=label, score=score, reasons=tuple(reasons))


#: Texts up to this long have their reasons remembered (customers repeat short questions).
MEMO_CHARS = 500


@functools.lru_cache(maxsize=4096)
def _remembered(text: str) -> tuple[tuple[str, float], ...]:
    return _text_reasons(text)


def _text_reasons(text: str) -> tuple[tuple[str, float], ...]:
    """What the message's own text weighs (its place in the conversation aside)."""
    words = len(text.split())
    folded = text.lower().translate(_FOLD)
    reasons: list[tuple[str, float]] = []

    def add(name: str, weight: float) -> None:
        reasons.append((name, weight))

    if words > 40:
        add("long", 0.5)
    elif words > 22:
        add("longish", 0.3)
    questions = text.count("?")
    if questions >= 2:
        add("questions", min(0.15 * questions, 0.45))
    reasoning = len(_REASONING.findall(folded))
    if reasoning:
        add("reasoning", min(0.3 * reasoning, 0.6))
    if _NUMBER.search(folded) and _COMPARISON.search(folded):
        add("arithmetic", 0.3)
    if _CONDITIONAL.search(folded):
        add("conditional", 0.2)
    if _MULTI_STEP.search(folded):
        add("multi_step", 0.2)
    if _SENSITIVE.search(folded):
        add("sensitive", 0.5)
    if _SECOND_QUESTION.search(folded):
        add("several_questions", 0.25)
    if _PEOPLE.search(folded):
        add("scenario", 0.25)
    return tuple(reasons)
