"""Is a cue told by the sender, or supposed, asked, or said of people in general?

The sentence-shape rules (`_situation`, `_body`, `_complaints`) match a cue; the checks here
read the clause before it and the sentence around it, at most a bounded window, so that "what
happens if I'm late?", "do you fix phones that won't charge?" and "classes for pregnant
women?" stay general questions while "I'm late, sorry" is the sender's own.
"""

from __future__ import annotations

import re

#: Not after a modal or a question word: "can I come", "do we need" ask, they do not tell.
NOT_ASKED = (
    r"(?<!can )(?<!could )(?<!do )(?<!does )(?<!did )(?<!should )(?<!may )(?<!might )"
    r"(?<!shall )(?<!will )(?<!would )(?<!must )(?<!if )(?<!when )(?<!how )(?<!where )"
    r"(?<!what )(?<!whether )(?<!once )(?<!before )(?<!after )(?<!unless )"
)
#: As `NOT_ASKED`, and not after "is", "are", "have" (a question: "is it sore after?").
NOT_ASKED_WIDE = NOT_ASKED + r"(?<!is )(?<!are )(?<!am )(?<!was )(?<!were )(?<!have )(?<!has )"
#: Possessives of the sender, in the four languages.
MY = (
    r"(?:my|our|mi|mis|nuestra|nuestro|nuestras|nuestros|minha|minhas|meu|meus|nossa|nosso|"
    r"nossas|nossos|ma|mon|mes|notre|nos)"
)

#: A hypothetical: what follows is not something that happened to the sender.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|whether|in case|unless|suppose|supposing|assuming|what happens|si|caso|"
    r"en caso de|au cas|est-ce qu\w*|s'il|s'ils)\b|"
    r"(?<!-)\bse (?:eu|nos|tu|ele|ela|voces|o|a|os|as|um|uma|[a-z]+(?:r|rem|rmos))\b"
)
#: A question opening the clause ("do you fix phones that won't charge?", "¿está frío?").
_QUESTION_START = re.compile(
    r"^\s*(?:\W\s*)?(?:do|does|did|can|could|will|would|should|is|are|was|were|how|what|"
    r"which|when|where|why|who|whats|what's|any|have|has|quel|quelle|quels|quelles|que|qual|"
    r"quais|cual|cuales|como|comment|quanto|cuanto|cuanta|combien|est-ce|puedo|puede|pueden|"
    r"posso|pode|podem|hay|ha|tem|tienen|vendem|venden|hacen|fazem|faites|peut|peux|"
    r"pouvez|acceptez)\b|^\s*¿"
)
_CLAUSE_BREAK = re.compile(r"[.;:!?,()\n\u2014\u2013]|\s-\s")
#: How far back the clause before a cue is read (messages over 4,000 characters are not read).
_LOOKBACK = 160


def _clause_before(folded: str, start: int) -> str:
    window = folded[max(0, start - _LOOKBACK) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


#: People in general: "for pregnant women", "someone with arthritis", "personas con ...".
_ANYONE = re.compile(
    r"\b(?:people|person|someone|anyone|somebody|anybody|those|clients|patients|customers|"
    r"students|women|woman|men|ladies|mothers|mums|moms|kids|children|beginners|seniors|"
    r"personas|persona|alguien|pessoas|pessoa|alguem|personnes|personne|quelqu'un|gente|"
    r"clientes|pacientes|femmes|mujeres|mulheres|senhoras|mamas|maes|futuras|futures)\b"
)


def hypothetical(clause: str) -> bool:
    """Whether `clause` supposes rather than tells ("if", "in case", "si", "se eu", "au cas")."""
    return bool(_HYPOTHETICAL.search(clause))


def told(folded: str, pattern: re.Pattern[str], *, present: bool, anyone: bool = False) -> bool:
    """Whether `pattern` matches as something the sender tells, not asks or supposes.

    Args:
        folded: the casefolded, unaccented text.
        pattern: the cue.
        present: a present state or request, so also skipped in a clause opening as a question.
        anyone: also skipped when its sentence speaks of people in general ("for pregnant
            women", "someone with arthritis").
    """
    first = pattern.search(folded)  # most cues match nowhere: no iterator for them
    if first is None:
        return False
    for match in pattern.finditer(folded, first.start()):
        clause = _clause_before(folded, match.start()) + match.group(0)
        if _HYPOTHETICAL.search(clause):
            continue
        if present and _QUESTION_START.search(clause):
            continue
        if anyone and _ANYONE.search(_sentence_around(folded, match.start(), match.end())):
            continue
        return True
    return False


_SENTENCE_BREAK = re.compile(r"[.;!?\n]")


def _sentence_around(folded: str, start: int, end: int) -> str:
    window = folded[max(0, start - _LOOKBACK) : end + _LOOKBACK]
    offset = max(0, start - _LOOKBACK)
    before = [m.end() for m in _SENTENCE_BREAK.finditer(window, 0, start - offset)]
    after = _SENTENCE_BREAK.search(window, end - offset)
    return window[before[-1] if before else 0 : after.start() if after else len(window)]
