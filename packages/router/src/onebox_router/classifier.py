"""Simple or complex: a rule-based classifier that costs microseconds and explains itself.

Each feature adds a weight to a score; the message is ``complex`` when the score reaches the
threshold (0.5 by default, tunable in the routing file). Features: length in words, number of
questions, reasoning words ("why", "explain", "compare", "step by step"), numbers together with
comparisons or arithmetic, conditionals, multi-step requests, sensitive topics (health, legal,
complaints), and the depth of the conversation. Short FAQ-style questions score near 0.

A judgement cue ("should I", "is it worth", "what would you recommend", "is that normal")
weighs 0.3, never enough alone: "what should I bring?" is an FAQ. It becomes complex with what
makes the judgement the business's to make: a choice between options ("X or Y"), the sender's
own situation ("my phone keeps...", "tengo..."), a particular person ("for someone who..."),
or a request to help plan or choose; several constraints in one message, or a long account of
the sender's situation that asks something, add weight of their own.

The features read the general shape of a request rather than one business's words: an ask for
the business's own pick or advice ("what would you suggest", "¿qué nos recomendáis?"), a
selection for a purpose ("quel vélo pour aller au travail"), why something happens to the
sender's own thing, two things compared, a beginner's level, a dilemma; an ask with the
sender's case (their situation, a budget, so many people, km, days or years) is complex. A
long message around one short question is chat, not complexity. The patterns read the text
lowercased with its accents folded, so "qué" and "que" are one word to them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ._cues import (
    ALTERNATIVE,
    ASK_PICK,
    CASE_FIGURES,
    CHANNEL_OPTIONS,
    COMPARATIVE,
    COMPARE,
    COMPARISON,
    CONDITIONAL,
    CONSTRAINTS,
    DILEMMA,
    FOLD,
    FOR_A_CASE,
    LEVEL,
    LOGISTICS,
    LOGISTICS_AFTER,
    MULTI_STEP,
    NOT_SURE,
    NUMBER,
    OPTIONS_FOR,
    OPTIONS_QUESTION,
    PEOPLE,
    PICK,
    PLAN_HELP,
    REASONING,
    REQUEST,
    SECOND_QUESTION,
    SENSITIVE,
    SITUATION,
    TROUBLESHOOTING,
    WHICH_FOR,
    WHY_CASE,
    WORTH,
)
from .conversation import Conversation, MessageClass


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


#: Features that only need their pattern found (name, weight), in the trace's order.
_PLAIN = (
    (CONDITIONAL, "conditional", 0.2),
    (MULTI_STEP, "multi_step", 0.2),
    (SENSITIVE, "sensitive", 0.5),
    (TROUBLESHOOTING, "troubleshooting", 0.5),
    (SECOND_QUESTION, "several_questions", 0.25),
    (PEOPLE, "scenario", 0.25),
)
_ASKS = (
    (WORTH, "worth_it", 0.25),
    (FOR_A_CASE, "advice_for_a_case", 0.25),
    (PLAN_HELP, "plan_help", 0.5),
)

#: Texts up to this long have their reasons remembered (customers repeat short questions).
MEMO_CHARS = 500


@functools.lru_cache(maxsize=4096)
def _remembered(text: str) -> tuple[tuple[str, float], ...]:
    return _text_reasons(text)


def _text_reasons(text: str) -> tuple[tuple[str, float], ...]:
    """What the message's own text weighs (its place in the conversation aside)."""
    words = len(text.split())
    folded = text.lower().translate(FOLD)
    reasons: list[tuple[str, float]] = []

    def add(name: str, weight: float) -> None:
        reasons.append((name, weight))

    if words > 22 and _one_short_question(text):
        pass  # a chatty message around one short question: its length is not the question's
    elif words > 40:
        add("long", 0.5)
    elif words > 22:
        add("longish", 0.3)
    questions = text.count("?")
    if questions >= 2:
        add("questions", min(0.15 * questions, 0.45))
    # "should I bring / wear / arrive..." asks for logistics, not for a judgement, unless the
    # sender tells their case and weighs it against another course ("should we bring him in or
    # wait a few days?").
    situation = len(SITUATION.findall(folded))
    cues = [
        cue
        for cue in REASONING.finditer(folded)
        if not LOGISTICS.match(folded, cue.end())
        or (situation and ALTERNATIVE.search(folded, cue.end(), _sentence_end(folded, cue.end())))
    ]
    if cues:
        add("reasoning", min(0.3 * len(cues), 0.6))
    if NUMBER.search(folded) and COMPARISON.search(folded):
        add("arithmetic", 0.3)
    reasons += [(name, weight) for pattern, name, weight in _PLAIN if pattern.search(folded)]
    # A judgement cue weighs 0.3, never enough alone ("what should I bring?"): it becomes complex
    # when it is about a choice between options or about the sender's own case.
    unsure = NOT_SURE.search(folded)
    dilemma = DILEMMA.search(folded) is not None or bool(
        unsure and ALTERNATIVE.search(folded, unsure.end(), _sentence_end(folded, unsure.end()))
    )
    choice = dilemma or (_is_choice(folded, cues) and not CHANNEL_OPTIONS.search(folded))
    if choice:
        add("choice", 0.3)
    if dilemma:
        add("dilemma", 0.2)
    asks_pick = any(
        not LOGISTICS_AFTER.match(folded, found.end()) for found in ASK_PICK.finditer(folded)
    )
    if asks_pick:
        add("asks_advice", 0.25)
    if WHY_CASE.search(folded):
        add("why_case", 0.25)
    if COMPARE.search(folded):
        add("comparison", 0.25)
    selection = WHICH_FOR.search(folded) is not None
    if selection:
        add("selection", 0.3)
    asks = bool(cues) or asks_pick or selection
    if asks and LEVEL.search(folded):
        add("for_level", 0.25)
    constraints = [pattern.search(folded) is not None for pattern in CONSTRAINTS]
    if not cues and not choice and OPTIONS_QUESTION.search(folded):
        # Options to weigh for a case told in the message, with no cue word: "my laptop keeps
        # shutting down, repair or upgrade?", "for 12 km a day, electric or not?".
        if situation:
            add("choice", 0.3)
            add("own_case", 0.25)
        elif constraints[0] or constraints[1] or constraints[2]:
            add("choice", 0.3)
            add("case_details", 0.25)
    elif asks and situation:
        add("own_case", 0.25)
    elif situation >= 2 and words > 22 and "?" in text and not REQUEST.search(folded):
        add("own_story", 0.25)
    if OPTIONS_FOR.search(folded) and ("choice", 0.3) not in reasons:
        add("choice", 0.3)  # "wheel or hand-building for a total beginner?"
        add("options_for_a_case", 0.25)
    reasons += [(name, weight) for pattern, name, weight in _ASKS if pattern.search(folded)]
    if sum(constraints) >= 3:
        add("constraints", 0.3)
    elif asks and constraints[0]:
        add("budget", 0.25)  # a judgement within a budget or a limit
    elif asks and not situation and (constraints[1] or CASE_FIGURES.search(folded)):
        add("case_details", 0.25)  # a judgement for so many people, km, days or years
    return tuple(reasons)


def _is_choice(folded: str, cues: list[re.Match[str]]) -> bool:
    """Whether the message asks the business to choose between options.

    The options come after the first judgement cue or comparative, in its sentence ("should I
    get the crown or the bridge?", "is it cheaper to book two dorms or the private room?"), or
    before a pick ("implant or bridge, which would you pick?") or before a comparative in their
    sentence ("fix it or is it smarter to buy a new one?").
    """
    comparative = COMPARATIVE.search(folded)
    for first in (cues[0] if cues else None, comparative):
        if first and ALTERNATIVE.search(folded, first.end(), _sentence_end(folded, first.end())):
            return True
    alternative = ALTERNATIVE.search(folded)
    if alternative is None:
        return False
    after = alternative.end()
    return bool(
        PICK.search(folded, after)
        or COMPARATIVE.search(folded, after, _sentence_end(folded, after))
    )


#: A question of at most this many words, alone in a long message, is read as the whole request.
SHORT_QUESTION_WORDS = 14


def _one_short_question(text: str) -> bool:
    """Whether `text` asks exactly one question, in one short sentence (the rest is chat)."""
    if text.count("?") != 1:
        return False
    mark = text.index("?")
    start = max((found.end() for found in _BREAK.finditer(text, 0, mark)), default=0)
    return len(text[start:mark].split()) <= SHORT_QUESTION_WORDS


#: What ends a sentence in chat: a stop, a colon, a new line, or an emoji ("... on instagram 🚤
#: how much is the deposit?").
_BREAK = re.compile("[.!\n:;\u2600-\u27bf\U0001f300-\U0001faff]")


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence going on at `start` ends (its ?, . or !), or the text's end."""
    ends = [found for stop in "?.!" if (found := text.find(stop, start)) != -1]
    return min(ends, default=len(text))
