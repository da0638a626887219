"""When a conversation should go to a person: a pure decision with its reason, no side effects.

Triggers, first match wins:

1. ``asked_for_person``: the customer asks for a person, in English, Spanish, Portuguese or
   French ("can I talk to a human", "quiero hablar con una persona", "falar com um
   atendente", "je veux parler à quelqu'un"). A request needs a request verb near a word for
   a person ("talk to ... someone"), so "is the person at the counter vegan-friendly?" is not
   one, and a negation just before it ("I don't want to talk to a human") cancels it.
2. ``keyword``: a word or phrase from the business file's ``handoff.keywords``, matched as
   whole words regardless of case and accents.
3. ``intent``: a built-in intent named in ``handoff.intents`` (``refund``, ``complaint``),
   recognised in the four languages.
4. ``unanswered``: the router could not answer this message (the holding reply was given).
5. ``repeated_failure``: the conversation has failed `EscalationRules.failure_limit` times
   (2 by default), as counted by the caller: the provider chain failing again on the same
   message (the handler then escalates instead of retrying), or a second fixed reply in a
   row (`failures_in_a_row`: a sticker, a voice note too long to hear, ...), where the
   customer was not answered twice.

The handler also escalates, when the desk is configured, a voice note no transcription
provider could listen to (``voice_not_transcribed``, `voice.unheard`) and an image, sticker,
document, location or video (``media_not_read``, `MEDIA_KINDS`).

Nothing here posts, stores or reads a clock: the caller acts on the `Escalation`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from onebox_service import Handoff


class StoredTurnLike(Protocol):
    """What `failures_in_a_row` reads of a remembered turn (`memory.StoredTurn`)."""

    @property
    def role(self) -> str: ...
    @property
    def provider(self) -> str | None: ...


EscalationReason = Literal[
    "asked_for_person",
    "keyword",
    "intent",
    "unanswered",
    "repeated_failure",
    "voice_not_transcribed",
    "media_not_read",
]

MEDIA_KINDS = frozenset({"image", "sticker", "document", "location", "video"})
"""Content the bot cannot read: with a desk it escalates (``media_not_read``) instead of the
polite "I can only read text" reply."""

_PERSON = (
    r"(?:real |actual |live |human )?(?:human|person|someone|somebody|agent|operator|"
    r"representative|rep|staff|employee|manager|owner|people|"
    r"humano|humana|persona|alguien|agente|operador|operadora|asesor|asesora|representante|"
    r"encargado|encargada|gerente|empleado|empleada|dueno|duena|"
    r"pessoa|alguem|atendente|funcionario|funcionaria|dono|dona|"
    r"humain|humaine|personne|quelqu'un|operateur|operatrice|conseiller|conseillere|"
    r"responsable|gerant|gerante|vendeur|vendeuse)"
)
_ARTICLE = r"(?:(?:a|an|the|your|one of your|un|una|uno|el|la|um|uma|o|le|l'|votre)\s*)?"
_REQUEST = re.compile(
    r"\b(?P<verb>talk|speak|chat|connect me|transfer me|put me through|get me|"
    r"hablar|comunicarme|pasame|paseme|falar|conversar|passa-me|passe-me|"
    r"parler|passez-moi|passe-moi)"
    r"(?:\s+(?:to|with|con|com|a|avec|au))?\s+" + _ARTICLE + _PERSON + r"\b"
)
_WANT = re.compile(
    r"\b(?P<verb>need|want|can i have|can i get|quiero|necesito|quero|preciso de|preciso|"
    r"je veux|je voudrais|je souhaite)\s+"
    + _ARTICLE
    + r"(?:real |live )?(?:human|agent|operator|representative|humano|agente|asesor|"
    r"atendente|humain|conseiller|responsable|real person|actual person)\b"
)
_SHOUT = re.compile(
    r"^\W*(?:human|agent|operator|representative|humano|atendente|humain|"
    r"real person|live agent|atendimento humano|atencion humana)(?:\s+(?:please|pls|por favor|"
    r"s'il vous plait|svp))?\W*$"
)
_PHRASES = re.compile(r"\b(?:atendimento humano|atencion humana|service client humain)\b")
_NEGATIONS = frozenset(
    ("don't", "dont", "not", "no", "never", "nao", "jamais", "ne", "pas", "nunca", "without")
)
_INTENTS: dict[str, re.Pattern[str]] = {
    "refund": re.compile(
        r"\b(?:refund\w*|money back|reimburs\w*|reembols\w*|devolucion del dinero|"
        r"devolver el dinero|devuelvan el dinero|devolucao do dinheiro|dinheiro de volta|"
        r"estorn\w*|rembours\w*)\b"
    ),
    "complaint": re.compile(
        r"\b(?:complain\w*|unacceptable|queja\w*|quejarme|reclamacion\w*|reclamar|"
        r"reclamacao|reclamacoes|queixa\w*|plainte\w*|reclamation\w*|me plaindre|"
        r"inadmissible|inaceptable|inaceitavel)\b"
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    """The decision: hand to a person or not, and why.

    Attributes:
        escalate: True when the conversation should go to a person.
        reason: which trigger fired (None when none did).
        detail: what matched (the keyword or intent name, the failure count), never the
            customer's text.
    """

    escalate: bool
    reason: EscalationReason | None = None
    detail: str = ""


NO_ESCALATION = Escalation(escalate=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRules:
    """The business's escalation settings.

    Attributes:
        keywords: words or phrases that escalate.
        intents: built-in intents that escalate (`INTENTS`).
        failure_limit: failures of one conversation that escalate it.
    """

    keywords: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    failure_limit: int = 2

    @classmethod
    def from_handoff(cls, handoff: Handoff | None) -> EscalationRules:
        """The rules of the business file's ``[handoff]`` table (defaults without one)."""
        if handoff is None:
            return cls()
        return cls(keywords=handoff.keywords, intents=handoff.intents)


FIXED = "fixed"
"""The provider name of a fixed reply (the bot could not read the message: no answer)."""


def failures_in_a_row(turns: Sequence[StoredTurnLike]) -> int:
    """How many of the conversation's last bot turns in a row were fixed replies.

    The customer's own turns in between are skipped; any other bot or operator turn ends the
    run.
    """
    count = 0
    for turn in reversed(turns):
        if turn.role != "assistant":
            continue
        if turn.provider != FIXED:
            break
        count += 1
    return count


INTENTS = tuple(_INTENTS)
"""The built-in intents a business file may name."""


def normalize(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes straightened, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def asks_for_person(text: str) -> bool:
    """True when `text` asks to talk to a person (en/es/pt/fr)."""
    plain = normalize(text)
    if _SHOUT.match(plain) or _PHRASES.search(plain):
        return True
    for pattern in (_REQUEST, _WANT):
        for match in pattern.finditer(plain):
            before = plain[: match.start("verb")].split()[-4:]
            if not any(word in _NEGATIONS for word in before):
                return True
    return False


def decide(
    text: str, *, rules: EscalationRules, unanswered: bool = False, failures: int = 0
) -> Escalation:
    """Whether the conversation of the message `text` should go to a person.

    Args:
        text: the customer's message.
        rules: the business's escalation settings.
        unanswered: the router could not answer this message: the holding reply was given
            (a `Reply` from the offline provider with ``model == "fallback"``, or the
            handler's own holding reply after a router failure).
        failures: how many times this conversation has failed so far, this message included
            (router errors, holding replies), as counted by the caller.
    """
    if asks_for_person(text):
        return Escalation(escalate=True, reason="asked_for_person")
    plain = normalize(text)
    for keyword in rules.keywords:
        if re.search(r"(?<!\w)" + re.escape(normalize(keyword)) + r"(?!\w)", plain):
            return Escalation(escalate=True, reason="keyword", detail=keyword)
    for intent in rules.intents:
        pattern = _INTENTS.get(intent)
        if pattern is not None and pattern.search(plain):
            return Escalation(escalate=True, reason="intent", detail=intent)
    if unanswered:
        return Escalation(escalate=True, reason="unanswered")
    if failures >= rules.failure_limit:
        return Escalation(escalate=True, reason="repeated_failure", detail=str(failures))
    return NO_ESCALATION
